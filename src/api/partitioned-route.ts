/**
 * The enqueue route's part for a partitioned logical stream: split by key
 * (partition-split.ts), check each partition's member promotes a delay,
 * write (partitioned-enqueue.ts) with the wake lease of each partition stream
 * in its database's request, and wake the members of the partitions written
 * whose lease says so, also when another partition failed: what was written
 * is committed.
 */
import type { Context } from "hono";
import type { Partitions } from "../core/define/partitions.js";
import type { ApiEnv } from "./context.js";
import { requireDelays } from "./delay.js";
import type { EnqueueRequest } from "./enqueue.js";
import { splitByPartition } from "./partition-split.js";
import type { PartitionedEnqueued } from "./partitioned-enqueue.js";
import { enqueuePartitioned, PartialEnqueueError } from "./partitioned-enqueue.js";
import { wakeAfterEnqueue, wakes } from "./wake-after-enqueue.js";
import { WAKE_LEASE_MS } from "../functions/wake.js";

export async function writePartitioned(c: Context<ApiEnv>, request: EnqueueRequest, spec: Partitions, batch: boolean, key: string | undefined): Promise<PartitionedEnqueued> {
  const parts = splitByPartition(request.stream, spec, request.messages, batch);
  // Each partition's own member promotes its delayed set.
  if (request.delay) for (const p of parts) requireDelays(p.stream, c.var.catalog.requireSource(p.stream), c.env);
  // Each partition stream a member would run on now takes its lease in its database's request; a delayed
  // write waits for its due time, as on any stream, so it takes none.
  const leased = request.dueAt === undefined ? new Set(parts.map((p) => p.stream).filter((stream) => wakes(c, stream))) : new Set<string>();
  const lease = leased.size > 0 ? { ms: WAKE_LEASE_MS, streams: leased } : undefined;
  // Every stream written is passed, not only those starting: the sessions keep the enqueue's requests in reserve by it.
  const wake = (written: readonly string[], starting: readonly string[]) => {
    const messages = (stream: string) => parts.find((p) => p.stream === stream)?.messages.length ?? 1;
    const passed = [...new Set([...written, ...starting])];
    if (starting.length > 0) wakeAfterEnqueue(c, passed.map((stream) => ({ stream, messages: messages(stream) })), starting);
  };
  try {
    const done = await enqueuePartitioned(c.var.redis(), request, spec, parts, key, lease);
    wake(done.written, done.leased);
    return done;
  } catch (error) {
    if (error instanceof PartialEnqueueError) wake(error.written, error.leased);
    throw error;
  }
}
