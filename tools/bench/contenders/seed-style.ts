/**
 * The seed tutorial's consumer (seed/redis-streams-consumer-groups.txt,
 * "Asyncio consumers"), over the same HTTP client the Worker builds:
 * XREADGROUP COUNT 10 (no BLOCK: REST cannot block), then each message in
 * turn, handled and acknowledged with its own XACK.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { redisFromEnv } from "../../../src/functions/redis.js";
import type { Outcome } from "../measure.js";
import type { BenchBridge } from "../stack.js";
import type { Fields, Job } from "../workload.js";

type Entry = [id: string, flat: string[]];

export const SEED_CONSUMER = "worker-1";

export async function drainSeedStyle(bridge: BenchBridge, job: Job): Promise<Outcome> {
  const redis = redisFromEnv(bridge.env);
  let processed = 0;
  while (processed < job.total && performance.now() < job.deadline) {
    const messages = await readBatch(redis, job);
    if (messages.length === 0) break;
    for (const [id, flat] of messages) {
      await job.handle(fieldsOf(flat));
      await redis.xack(job.stream, job.group, id);
      processed += 1;
    }
  }
  return { processed };
}

/** One iteration of the tutorial's loop on an empty stream: a single XREADGROUP. */
export async function idleSeedStyle(bridge: BenchBridge, job: Job): Promise<number> {
  return (await readBatch(redisFromEnv(bridge.env), job)).length;
}

async function readBatch(redis: Redis, job: Job): Promise<Entry[]> {
  const reply = (await redis.xreadgroup(job.group, SEED_CONSUMER, job.stream, ">", { count: 10 })) as [string, Entry[]][] | null;
  return reply?.[0]?.[1] ?? [];
}

function fieldsOf(flat: string[]): Fields {
  const fields: Fields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}
