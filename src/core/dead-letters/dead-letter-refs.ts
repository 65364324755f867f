/**
 * Holds on source entries that a dead letter refers to (its payload was too
 * big to copy, see dead-letter.ts). The hold is written in the same
 * MULTI/EXEC as the dead letter and its XACK, and retention (retention.ts)
 * never trims at or above the oldest held entry, so an acknowledged entry a
 * dead letter still needs stays readable. Whoever removes such a dead letter
 * (deletion, purge: dead-letter-delete.ts) releases its hold with
 * `releaseRefOp`; a hold left behind keeps history longer, and retention then
 * never trims past it.
 *
 * One hold per dead letter: its member is `<id>/<group>`. Every group of the
 * stream may dead-letter the same entry (a poison message fails in each), and
 * removing one group's dead letter must not release what another's still
 * needs. Holds written before this were the bare `<id>`; releasing a dead
 * letter also removes that form.
 */
import { deadLetterRefsKey } from "../redis/keys.js";
import { op } from "../redis/ops.js";
import { int } from "../redis/parse-replies.js";

const timePart = (id: string): string => id.split("-")[0]!;

const member = (id: string, group: string): string => `${id}/${group}`;

/** `ZADD key ms id/group`. @see https://redis.io/commands/zadd */
export const holdRefOp = (stream: string, id: string, group: string) => op(["ZADD", deadLetterRefsKey(stream), timePart(id), member(id, group)], (r) => int("ZADD", r));

/** `ZREM key id/group id`: this dead letter's hold, and one written in the older bare form. @see https://redis.io/commands/zrem */
export const releaseRefOp = (stream: string, id: string, group: string) => op(["ZREM", deadLetterRefsKey(stream), member(id, group), id], (r) => int("ZREM", r));

/**
 * `ZRANGE key 0 0`: the lowest id retention must keep, as `<ms>-0`, or undefined when nothing is held.
 * Rounded down to its millisecond because ids of one millisecond share a score and sort as text.
 * @see https://redis.io/commands/zrange
 */
export const oldestRefOp = (stream: string) =>
  op(["ZRANGE", deadLetterRefsKey(stream), 0, 0], (r) => (Array.isArray(r) && r.length > 0 ? `${timePart(String(r[0]))}-0` : undefined));
