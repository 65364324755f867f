/**
 * Delayed enqueue: each message goes to the stream's delayed set (`ZADD`) and
 * payload hash (`HSET`) under a fresh delayed id, all in one MULTI/EXEC, so a
 * batch is held whole or not at all. The promotion script moves each into the
 * stream once due (core/promote.ts).
 */
import { delayCommands, newDelayedId } from "../core/delayed.js";
import { RedisReplyError } from "../core/errors.js";
import { rawOp, transactionSettled } from "../core/ops.js";
import type { Fields } from "../core/parse-replies.js";
import type { Transport } from "../core/transport.js";

export async function enqueueDelayed(t: Transport, stream: string, messages: readonly Fields[], dueAt: number): Promise<string[]> {
  const ids = messages.map(() => newDelayedId());
  const results = await transactionSettled(t, messages.flatMap((fields, i) => delayCommands(stream, ids[i]!, dueAt, fields)).map(rawOp));
  const failed = results.find((r) => !r.ok);
  // A run-time error (WRONGTYPE on a key of ours) fails every message alike.
  if (failed && !failed.ok) throw new RedisReplyError(failed.error);
  return ids;
}
