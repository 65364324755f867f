/**
 * Dead-letter replay: each message goes back onto its source stream with its
 * original fields and a new id, and leaves the dead-letter stream (see
 * replay-move.ts for the two steps and what an interruption leaves).
 *
 * By default only the group that failed it gets it again: the entry names
 * that group (replay-target.ts), and runs of other groups acknowledge it
 * unhandled. `allGroups` delivers it to every group of the stream.
 *
 * Everything is checked before anything moves: ids are read in Redis's own
 * spelling (so `05-0` and `5` are one id, de-duplicated and locked once),
 * unknown ids 404, entries not in the dead-letter format, whose source is not
 * a configured stream, or whose group no configured function consumes 422.
 * Two replays of the same id at once would both XADD it, so each id is
 * locked first (`SET NX`, read in the same pipeline after the lock), and a
 * locked id answers 409. The locks are removed with the move, or on refusal.
 */
import { xrange } from "../core/redis/commands.js";
import type { DeadLetter } from "../core/dead-letters/dead-letter.js";
import { parseDeadLetter } from "../core/dead-letters/dead-letter.js";
import { sendPipeline } from "../core/redis/ops.js";
import type { StreamEntry } from "../core/redis/parse-replies.js";
import { canonicalStreamId } from "../core/redis/stream-id.js";
import type { Transport } from "../core/redis/transport.js";
import type { Catalog } from "./catalog.js";
import { LOCK_TTL_S, lockAndRead } from "./dead-letter-locks.js";
import { ApiError } from "./errors.js";
import type { Move, Replayed } from "./replay-move.js";
import { move, RECORD_TTL_S } from "./replay-move.js";

export type { Replayed };
export const MAX_REPLAY = 1000;

/**
 * `ids` refuses unknown or busy ids (404, 409) unless `strict` is false, as
 * for ids a filter matched a moment ago: those are skipped instead.
 */
export type Selection = ({ ids: readonly string[]; strict?: boolean } | { limit: number }) & {
  /** Deliver to every group of the stream, not only to the one that failed it. @default false */
  allGroups?: boolean;
};

const list = (ids: readonly string[]) => ids.map((id) => JSON.stringify(id)).join(", ");

export async function replay(t: Transport, catalog: Catalog, dlq: string, selection: Selection): Promise<Replayed[]> {
  const strict = "ids" in selection && selection.strict !== false;
  const ids = "ids" in selection ? canonical(selection.ids) : (await sendPipeline(t, [xrange(dlq, "-", "+", selection.limit)] as const))[0].map((e) => e.id);
  if (ids.length === 0) return [];

  const { locked, found, ours, release } = await lockAndRead(t, dlq, ids);
  let moves: Move[];
  try {
    moves = targets(catalog, check(catalog, dlq, ids, locked, found, strict), selection.allGroups === true);
  } catch (error) {
    await release();
    throw error;
  }
  // Not strict: ids another replay took or finished are skipped; drop our locks on those we read as gone.
  const taken = new Set(moves.map((m) => m.letter.id));
  await release(ours.filter((id) => !taken.has(id)));
  return move(t, dlq, moves);
}

/** Redis's own spelling of each id, once: the route's schema already does this; other callers get the same. */
function canonical(ids: readonly string[]): string[] {
  const bad = ids.filter((id) => canonicalStreamId(id) === null);
  if (bad.length > 0) throw new ApiError(400, "invalid_id", `not stream ids (each part at most 2^64-1): ${list(bad)}`);
  return [...new Set(ids.map((id) => canonicalStreamId(id)!))];
}

/** Each dead letter goes to the group that failed it, or, with `allGroups`, to every group of its stream. */
function targets(catalog: Catalog, letters: readonly DeadLetter[], allGroups: boolean): Move[] {
  if (allGroups) return letters.map((letter) => ({ letter, to: undefined }));
  const orphans = letters.filter((d) => catalog.owner(d.stream, d.group) === undefined);
  if (orphans.length > 0) {
    throw new ApiError(
      422,
      "replay_group_unknown",
      `no configured function consumes these with the group that failed them: ${orphans.map((d) => `${JSON.stringify(d.id)} (group ${JSON.stringify(d.group)} on ${JSON.stringify(d.stream)})`).join(", ")}; send "allGroups": true to deliver them to every group of their stream`,
    );
  }
  return letters.map((letter) => ({ letter, to: letter.group }));
}

function check(catalog: Catalog, dlq: string, ids: string[], locked: boolean[], found: StreamEntry[][], strict: boolean): DeadLetter[] {
  const missing = ids.filter((_, i) => found[i]!.length === 0);
  const busy = ids.filter((_, i) => !locked[i] && found[i]!.length > 0);
  if (strict && missing.length > 0) throw new ApiError(404, "dead_letter_not_found", `${dlq} has no entries ${list(missing)}`);
  if (strict && busy.length > 0) throw new ApiError(409, "replay_in_progress", `another request is replaying ${list(busy)}; retry in ${LOCK_TTL_S} s. A lock that outlives that marks a replay interrupted after it reached the source stream: its group's next run settles it (at most ${RECORD_TTL_S / 3600} h)`);

  const candidates = ids.flatMap((id, i) => (locked[i] && found[i]!.length > 0 ? [found[i]![0]!] : []));
  const parsed = candidates.map((e) => parseDeadLetter(e));
  // Replaying the oldest n passes over references (they cannot move; their locks are released), so one cannot block it.
  const movable = parsed.map((d) => strict || d?.payloadInSource === undefined);
  const entries = candidates.filter((_, i) => movable[i]);
  const letters = parsed.filter((_, i) => movable[i]);
  const references = letters.filter((d) => d?.payloadInSource !== undefined) as DeadLetter[];
  if (references.length > 0) {
    throw new ApiError(
      422,
      "dead_letter_payload_in_source",
      `these dead letters hold a reference, not a copy: their payload was too big to move in one request, and stays in the source stream (kept by retention while referenced). Read it there and enqueue it again: ${references.map((d) => `${JSON.stringify(d.id)} (${d.stream} ${d.originalId}, ${d.payloadInSource!.bytes} bytes)`).join(", ")}`,
    );
  }
  const malformed = entries.filter((_, i) => letters[i] === null || Object.keys(letters[i]!.fields).length === 0).map((e) => e.id);
  if (malformed.length > 0) throw new ApiError(422, "dead_letter_malformed", `not in cronsumer's dead-letter format, so not replayable: ${list(malformed)}`);
  const foreign = (letters as DeadLetter[]).filter((d) => !catalog.isSource(d.stream));
  if (foreign.length > 0) {
    throw new ApiError(
      422,
      "replay_target_not_allowed",
      `these came from streams no configured function consumes, so they are not replayed: ${foreign.map((d) => `${JSON.stringify(d.id)} (from ${JSON.stringify(d.stream)})`).join(", ")}`,
    );
  }
  return letters as DeadLetter[];
}
