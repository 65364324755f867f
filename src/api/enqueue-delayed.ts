/**
 * Delayed enqueue: each message goes to the stream's delayed set (`ZADD`) and
 * payload hash (`HSET`) under a fresh delayed id, all in one script inside
 * one MULTI/EXEC, so a batch is held whole or not at all. A relative delay
 * is counted from the Redis clock, the one promotion compares with
 * (core/features/delayed.ts `Due`), never from this process's. The promotion script
 * moves each into the stream once due (core/features/promote.ts).
 */
import type { Due } from "../core/features/delayed.js";
import { delayCommand, newDelayedId } from "../core/features/delayed.js";
import { RedisReplyError } from "../core/redis/errors.js";
import { rawOp, transactionSettled } from "../core/redis/ops.js";
import type { Fields } from "../core/redis/parse-replies.js";
import type { Transport } from "../core/redis/transport.js";
import type { Delay } from "./delay.js";

/** A `Delay` as asked for, as the due time the script resolves. */
export const dueOf = (delay: Delay): Due => ("delayMs" in delay ? { inMs: delay.delayMs } : { atMs: delay.notBefore });

/** `due`: a `Delay`, or a unix time (ms). */
export async function enqueueDelayed(t: Transport, stream: string, messages: readonly Fields[], due: number | Delay): Promise<string[]> {
  const ids = messages.map(() => newDelayedId());
  const [result] = await transactionSettled(t, [rawOp(delayCommand(stream, typeof due === "number" ? { atMs: due } : dueOf(due), messages.map((fields, i) => ({ id: ids[i]!, fields }))))]);
  // A run-time error (WRONGTYPE on a key of ours) fails every message alike.
  if (result && !result.ok) throw new RedisReplyError(result.error);
  return ids;
}
