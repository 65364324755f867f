/**
 * Replayed messages carry two reserved fields, read by runs and never seen
 * by handlers:
 * - `cronsumer-replay-to`: the one group the message is replayed to. A run
 *   of any other group acknowledges it unhandled (counted as `skipped`), so
 *   groups that already handled the message do not get it again.
 * - `cronsumer-replay-of`: the dead letter it came from (`{"dlq", "id"}`).
 *   The target group's run deletes that dead letter and its replay lock in
 *   the commit of the batch that fetched it. A replay interrupted between
 *   its XADD and its XDEL is thereby settled by the first run that reads the
 *   replayed entry, which proves the XADD landed.
 */
import { xdel } from "../redis/commands.js";
import { delOp } from "../redis/key-ops.js";
import { replayLockKey } from "../redis/keys.js";
import type { Fields } from "../redis/parse-replies.js";
import { canonicalStreamId } from "../redis/stream-id.js";
import type { Command } from "../redis/transport.js";

export const REPLAY_TO = "cronsumer-replay-to";
export const REPLAY_OF = "cronsumer-replay-of";
export const RESERVED_FIELDS: readonly string[] = [REPLAY_TO, REPLAY_OF];

/** The fields a replay writes: the original ones plus its reserved fields. */
export function replayFields(fields: Fields, of: { dlq: string; id: string }, to: string | undefined): Fields {
  return { ...fields, ...(to === undefined ? {} : { [REPLAY_TO]: to }), [REPLAY_OF]: JSON.stringify({ dlq: of.dlq, id: of.id }) };
}

/** A dead letter named by a replayed entry. */
export interface ReplayOf {
  dlq: string;
  id: string;
  /** The replayed entry that named it: its settle must travel with that entry's own commit (split-commit.ts). */
  entry?: string;
  /** That entry's stream (a lane's, lanes.ts). */
  stream?: string;
}

/** What a run does with one entry it fetched. */
export type Sorted = { skip: true } | { skip: false; fields: Fields; of?: ReplayOf };

/** Sorts one fetched entry for `group`. Entries without reserved fields come back as they are (same object). */
export function sortEntry(group: string, fields: Fields): Sorted {
  if (fields[REPLAY_TO] === undefined && fields[REPLAY_OF] === undefined) return { skip: false, fields };
  if (fields[REPLAY_TO] !== undefined && fields[REPLAY_TO] !== group) return { skip: true };
  const { [REPLAY_TO]: _to, [REPLAY_OF]: of, ...original } = fields;
  const parsed = parseOf(of);
  return parsed ? { skip: false, fields: original, of: parsed } : { skip: false, fields: original };
}

/** What a fetch found of replayed entries: part of every fetch (see fetch.ts). */
export interface ReplaySorting {
  /** Entries replayed to another group: acknowledged, never handled (in their own stream: a lane's, lanes.ts). */
  skipped: { id: string; stream: string }[];
  /** Dead letters whose replayed entry this fetch read: settled in its commit. */
  replayOf: ReplayOf[];
}

/** Sorts one entry into `into`; the fields to hand the handler, or undefined when the entry is skipped. */
export function sortInto(into: ReplaySorting, at: { stream: string; group: string }, id: string, fields: Fields): Fields | undefined {
  // The usual entry, not a replay: no intermediate object (this runs per message).
  if (fields[REPLAY_TO] === undefined && fields[REPLAY_OF] === undefined) return fields;
  const sorted = sortEntry(at.group, fields);
  if (sorted.skip) {
    into.skipped.push({ id, stream: at.stream });
    return undefined;
  }
  if (sorted.of) into.replayOf.push({ ...sorted.of, entry: id, stream: at.stream });
  return sorted.fields;
}

function parseOf(of: string | undefined): ReplayOf | undefined {
  if (of === undefined) return undefined;
  try {
    const { dlq, id } = JSON.parse(of) as { dlq?: unknown; id?: unknown };
    return typeof dlq === "string" && typeof id === "string" && canonicalStreamId(id) === id ? { dlq, id } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `XDEL dlq ids` and `DEL` of their replay locks, for the dead letters in
 * `dlq` (the run's own dead-letter stream only: an entry must never make a
 * run delete from another key). Idempotent, so settling twice is harmless.
 */
export function settleCommands(dlq: string, of: readonly ReplayOf[]): Command[] {
  const ids = of.filter((o) => o.dlq === dlq).map((o) => o.id);
  if (ids.length === 0) return [];
  return [xdel(dlq, ids).command, delOp(ids.map((id) => replayLockKey(dlq, id))).command];
}
