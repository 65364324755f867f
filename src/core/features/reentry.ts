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
import type { Fields } from "../redis/parse-replies.js";
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
