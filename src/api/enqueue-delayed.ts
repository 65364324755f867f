/**
 * Delayed enqueue: each message goes to the stream's delayed set (`ZADD`) and
 * payload hash (`HSET`) under a fresh delayed id, all in one MULTI/EXEC, so a
 * batch is held whole or not at all. The promotion script moves each into the
 * stream once due (core/features/promote.ts).
 */
import { delayCommands, newDelayedId } from "../core/features/delayed.js";
import { RedisReplyError } from "../core/redis/errors.js";
import { rawOp, transactionSettled } from "../core/redis/ops.js";
import type { Fields } from "../core/redis/parse-replies.js";
import type { Transport } from "../core/redis/transport.js";

export async function enqueueDelayed(t: Transport, stream: string, messages: readonly Fields[], dueAt: number): Promise<string[]> {
  const ids = messages.map(() => newDelayedId());
  const results = await transactionSettled(t, messages.flatMap((fields, i) => delayCommands(stream, ids[i]!, dueAt, fields)).map(rawOp));
  const failed = results.find((r) => !r.ok);
  // A run-time error (WRONGTYPE on a key of ours) fails every message alike.
  if (failed && !failed.ok) throw new RedisReplyError(failed.error);
  return ids;
}
