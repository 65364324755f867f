/**
 * Holds on source entries that a dead letter refers to (its payload was too
 * big to copy, see dead-letter.ts). The hold is written in the same
 * MULTI/EXEC as the dead letter and its XACK, and retention (retention.ts)
 * never trims at or above the oldest held entry, so an acknowledged entry a
 * dead letter still needs stays readable. Whoever removes such a dead letter
 * (replay, deletion) releases its hold with `releaseRefOp`; a hold left
 * behind only keeps history longer, it never loses anything.
 */
import { deadLetterRefsKey } from "../redis/keys.js";
import { op } from "../redis/ops.js";
import { int } from "../redis/parse-replies.js";

const timePart = (id: string): string => id.split("-")[0]!;

/** `ZADD key ms id`. @see https://redis.io/commands/zadd */
export const holdRefOp = (stream: string, id: string) => op(["ZADD", deadLetterRefsKey(stream), timePart(id), id], (r) => int("ZADD", r));

/** `ZREM key id`. @see https://redis.io/commands/zrem */
export const releaseRefOp = (stream: string, id: string) => op(["ZREM", deadLetterRefsKey(stream), id], (r) => int("ZREM", r));

/**
 * `ZRANGE key 0 0`: the lowest id retention must keep, as `<ms>-0`, or undefined when nothing is held.
 * Rounded down to its millisecond because ids of one millisecond share a score and sort as text.
 * @see https://redis.io/commands/zrange
 */
export const oldestRefOp = (stream: string) =>
  op(["ZRANGE", deadLetterRefsKey(stream), 0, 0], (r) => (Array.isArray(r) && r.length > 0 ? `${timePart(String(r[0]))}-0` : undefined));
