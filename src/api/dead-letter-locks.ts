/**
 * Per-id locks on dead letters, shared by replay and delete: whoever changes
 * a dead letter first takes `SET NX` on its replay lock key, read in the same
 * pipeline as the entry itself, so two requests never move or delete the
 * same dead letter at once, and a delete never races a replay whose XADD
 * already reached the source stream (that lock outlives the request; its
 * group's run settles it, see replay-move.ts).
 */
import { xrange } from "../core/redis/commands.js";
import { RedisReplyError } from "../core/redis/errors.js";
import { delOp, setNxOp } from "../core/redis/key-ops.js";
import { replayLockKey } from "../core/redis/keys.js";
import type { Op } from "../core/redis/ops.js";
import { pipelineSettled, sendPipeline } from "../core/redis/ops.js";
import type { StreamEntry } from "../core/redis/parse-replies.js";
import type { Transport } from "../core/redis/transport.js";

/** Long enough for the moves of one request; short enough that a crashed one blocks nothing for long. */
export const LOCK_TTL_S = 60;

export interface LockedRead {
  /** Per id: whether this request took its lock. */
  locked: boolean[];
  /** Per id: the entry (one) or nothing when it is not in the stream. */
  found: StreamEntry[][];
  /** The ids this request locked. */
  ours: string[];
  /** Drops this request's locks on `ids` (default: all of ours). */
  release(ids?: readonly string[]): Promise<void>;
}

export async function lockAndRead(t: Transport, dlq: string, ids: readonly string[]): Promise<LockedRead> {
  const owner = crypto.randomUUID();
  const lockOps: Op<unknown>[] = ids.map((id) => setNxOp(replayLockKey(dlq, id), owner, LOCK_TTL_S));
  const readOps: Op<unknown>[] = ids.map((id) => xrange(dlq, id, id, 1));
  const settled = await pipelineSettled(t, [...lockOps, ...readOps]);
  const locked = settled.slice(0, ids.length).map((r) => r.ok && r.value === true);
  const ours = ids.filter((_, i) => locked[i]);
  const release = async (which: readonly string[] = ours) => {
    if (which.length > 0) await sendPipeline(t, [delOp(which.map((id) => replayLockKey(dlq, id)))]);
  };
  const failed = settled.find((r) => !r.ok);
  if (failed && !failed.ok) {
    await release();
    throw new RedisReplyError(`reading ${dlq} failed: ${failed.error}`);
  }
  return { locked, found: settled.slice(ids.length).map((r) => (r as { value: StreamEntry[] }).value), ours, release };
}
