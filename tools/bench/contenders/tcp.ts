/**
 * This machine's ceiling without HTTP: node-redis v5 over TCP, one pipeline
 * per batch holding the previous batch's XACK (all ids) and the next
 * XREADGROUP COUNT 100, handlers run with bounded concurrency. No bridge,
 * so no injected delay applies.
 */
import { createClient } from "redis";
import type { Outcome } from "../measure.js";
import type { Fields, Job } from "../workload.js";

export const TCP_BATCH = 100;

type Read = { name: string; messages: { id: string; message: Fields }[] }[] | null;

export async function drainTcp(redisUrl: string, job: Job, concurrency: number): Promise<Outcome> {
  const client = createClient({ url: redisUrl, RESP: 2 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    let processed = 0;
    let toAck: string[] = [];
    for (;;) {
      const pipe = client.multi();
      if (toAck.length > 0) pipe.xAck(job.stream, job.group, toAck);
      const wantMore = processed < job.total && performance.now() < job.deadline;
      if (!wantMore) {
        if (toAck.length > 0) await pipe.execAsPipeline();
        break;
      }
      pipe.xReadGroup(job.group, "tcp-1", { key: job.stream, id: ">" }, { COUNT: TCP_BATCH });
      const replies = await pipe.execAsPipeline();
      const read = replies[replies.length - 1] as unknown as Read;
      const messages = read?.[0]?.messages ?? [];
      if (messages.length === 0) break;
      await inLanes(messages, concurrency, (m) => job.handle(m.message));
      toAck = messages.map((m) => m.id);
      processed += messages.length;
    }
    return { processed };
  } finally {
    client.destroy();
  }
}

async function inLanes<T>(items: readonly T[], lanes: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}
