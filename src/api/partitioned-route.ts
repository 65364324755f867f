/**
 * The enqueue route's part for a partitioned logical stream: split by key
 * (partition-split.ts), check each partition's member promotes a delay,
 * write (partitioned-enqueue.ts), and wake the members of the partitions
 * written, also when another partition failed: what was written is committed.
 */
import type { Context } from "hono";
import type { Partitions } from "../core/define/partitions.js";
import type { ApiEnv } from "./context.js";
import { requireDelays } from "./delay.js";
import type { EnqueueRequest } from "./enqueue.js";
import { splitByPartition } from "./partition-split.js";
import type { PartitionedEnqueued } from "./partitioned-enqueue.js";
import { enqueuePartitioned, PartialEnqueueError } from "./partitioned-enqueue.js";
import { wakeAfterEnqueue } from "./wake-after-enqueue.js";

export async function writePartitioned(c: Context<ApiEnv>, request: EnqueueRequest, spec: Partitions, batch: boolean, key: string | undefined): Promise<PartitionedEnqueued> {
  const parts = splitByPartition(request.stream, spec, request.messages, batch);
  // Each partition's own member promotes its delayed set.
  if (request.delay) for (const p of parts) requireDelays(p.stream, c.var.catalog.requireSource(p.stream), c.env);
  // A delayed write waits for its due time, as on any stream.
  const wake = (written: readonly string[]) => {
    const messages = (stream: string) => parts.find((p) => p.stream === stream)?.messages.length ?? 1;
    if (request.dueAt === undefined && written.length > 0) wakeAfterEnqueue(c, written.map((stream) => ({ stream, messages: messages(stream) })));
  };
  try {
    const done = await enqueuePartitioned(c.var.redis(), request, spec, parts, key);
    wake(done.written);
    return done;
  } catch (error) {
    if (error instanceof PartialEnqueueError) wake(error.written);
    throw error;
  }
}
