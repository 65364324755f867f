/**
 * A message that goes back to its stream as a new entry: a parked long retry
 * when promotion moves it (delayed.ts, promote.ts), or a message whose park
 * or dead-letter move failed after its XACK (verify-commit.ts).
 *
 * A stream entry reaches every group of the stream, but such a message
 * belongs to one group: the one that handled it. So it carries that group as
 * `cronsumer-replay-to` (any other group's run acknowledges it unhandled, as
 * for a replay to one group), and the deliveries it already had as
 * `cronsumer-deliveries`, so `attempt` and `maxDeliveries` go on counting
 * instead of starting again at 1. Runs strip both fields (fetch.ts), and a
 * message that comes back already past `maxDeliveries` is dead-lettered
 * without a handler seeing it (handle-batch.ts `overDelivered`).
 */
import { carriedDeliveries, DELIVERIES_FIELD } from "./delayed.js";
import type { Delivered } from "../define/define.js";
import { xadd } from "../redis/commands.js";
import { rescuedKey } from "../redis/keys.js";
import type { Op } from "../redis/ops.js";
import { op } from "../redis/ops.js";
import type { Fields } from "../redis/parse-replies.js";
import { MAX_SCRIPT_FIELDS, UNPACK } from "../redis/script.js";
import { REPLAY_TO } from "../dead-letters/replay-target.js";

/** Reserved fields a re-entry adds to the message's own. */
export const REENTRY_FIELDS = 2;

export function reentryFields(message: Pick<Delivered, "fields" | "group" | "attempt">): Fields {
  return { ...message.fields, [REPLAY_TO]: message.group, [DELIVERIES_FIELD]: String(message.attempt) };
}

/** A parked message's fields as enqueued, the deliveries it carries (0 when none), and its group when it names one. */
export function readReentry(stored: Fields): { fields: Fields; prior: number; group?: string } {
  const { fields: rest, prior } = carriedDeliveries(stored);
  const { [REPLAY_TO]: group, ...fields } = rest;
  return group === undefined ? { fields, prior } : { fields, prior, group };
}

const RESCUED_TTL_S = 7 * 24 * 3_600;

// KEYS: stream, marker. ARGV: the fields. Answers the new id, or nil when an earlier send already put it back.
const RESCUE_BODY = `${UNPACK}if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ${RESCUED_TTL_S}) then return false end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV))`;

/**
 * Puts a message back on its stream after its park or dead-letter move
 * failed behind its XACK, at most once however often it is sent: a marker
 * (`rescuedKey`) is set in the same script, so a send whose answer was lost
 * can be sent again. Answers true when this send or an earlier one put it
 * back. Sent plain: Redis 7 refuses Upstash's key-locking flag, and a rescue
 * is rare enough for Upstash's global script lock. A message with more fields
 * than a script can unpack goes as a plain XADD, sent once.
 */
export function rescueOp(message: Pick<Delivered, "id" | "stream" | "fields" | "group" | "attempt">): { op: Op<boolean>; resendable: boolean } {
  const fields = reentryFields(message);
  const flat = Object.entries(fields).flat();
  if (flat.length > MAX_SCRIPT_FIELDS * 2) return { op: op(xadd(message.stream, fields).command, () => true), resendable: false };
  return { op: op(["EVAL", RESCUE_BODY, 2, message.stream, rescuedKey(message.stream, message.group, message.id), ...flat], () => true), resendable: true };
}
