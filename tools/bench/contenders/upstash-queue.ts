/**
 * `@upstash/queue` (npm, pinned), a real peer, driven through its public API
 * with its own @upstash/redis (1.29) pointed at the same bridge:
 * `receiveMessage()` then, once handled, `verifyMessage(id)`. `autoVerify` is
 * off so a message is acknowledged only after its handler succeeds, as with
 * the other contenders (its default acknowledges on receipt: at-most-once).
 *
 * Each receive sends XAUTOCLAIM (fresh consumer, COUNT 1) and, when nothing
 * was claimed, XGROUP DELCONSUMER, then XREADGROUP COUNT 1 under another
 * fresh consumer name that is never deleted; the XACK is a fourth request.
 */
import { createRequire } from "node:module";
import type { Queue as QueueType, QueueConfig } from "@upstash/queue";
import { Queue } from "@upstash/queue";
import type { Outcome } from "../measure.js";
import type { BenchBridge } from "../stack.js";
import type { Fields, Job } from "../workload.js";

/** The queue stores each message as one JSON field, `messageBody`. */
export const QUEUE_PREFIX = "UpstashMQ:";
export const queueEnvelope = (fields: Fields): Fields => ({ messageBody: JSON.stringify(fields) });

type RedisCtor = new (config: { url: string; token: string; enableTelemetry?: boolean }) => QueueConfig["redis"];
// The queue's own pinned client, not ours: what its users actually run.
const { Redis: QueueRedis } = createRequire(import.meta.resolve("@upstash/queue"))("@upstash/redis") as { Redis: RedisCtor };

export function queueFor(bridge: BenchBridge, stream: string, group: string): QueueType {
  if (!stream.startsWith(QUEUE_PREFIX)) throw new TypeError(`queue streams start with ${QUEUE_PREFIX}; got ${stream}`);
  const redis = new QueueRedis({ url: bridge.url, token: bridge.token, enableTelemetry: false });
  return new Queue({ redis, queueName: stream.slice(QUEUE_PREFIX.length), consumerGroupName: group, autoVerify: false });
}

export async function drainUpstashQueue(bridge: BenchBridge, job: Job): Promise<Outcome> {
  const queue = queueFor(bridge, job.stream, job.group);
  let processed = 0;
  while (processed < job.total && performance.now() < job.deadline) {
    const message = await queue.receiveMessage<Fields>();
    if (!message) break;
    await job.handle(message.body);
    if ((await queue.verifyMessage(message.streamId)) !== "VERIFIED") throw new Error(`@upstash/queue: ${message.streamId} not verified`);
    processed += 1;
  }
  return { processed };
}

/** One receive on an empty queue, from a fresh instance as a new Worker invocation would have. */
export async function idleUpstashQueue(bridge: BenchBridge, job: Job): Promise<number> {
  const message = await queueFor(bridge, job.stream, job.group).receiveMessage<Fields>();
  return message ? 1 : 0;
}
