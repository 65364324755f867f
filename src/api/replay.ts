/**
 * Dead-letter replay: each message goes back onto its source stream with its
 * original fields and a new id, and leaves the dead-letter stream, in the
 * same MULTI/EXEC (`XADD source * …`, `XDEL dlq id`), so it is always in
 * exactly one of the two. A chunk of up to 100 messages shares one MULTI.
 *
 * Everything is checked before anything moves: unknown ids 404, entries not
 * in the dead-letter format or whose source is not a configured stream 422.
 * Two replays of the same id at once would both XADD it, so each id is
 * locked first (`SET NX`, read in the same pipeline after the lock), and a
 * locked id answers 409. The locks are removed with the move, or on refusal.
 */
import { xadd, xdel, xrange } from "../core/commands.js";
import type { DeadLetter } from "../core/dead-letter.js";
import { parseDeadLetter } from "../core/dead-letter.js";
import { RedisReplyError } from "../core/errors.js";
import { delOp, setNxOp } from "../core/key-ops.js";
import { replayLockKey } from "../core/keys.js";
import type { Op } from "../core/ops.js";
import { sendPipeline, transactionSettled } from "../core/ops.js";
import type { StreamEntry } from "../core/parse-replies.js";
import type { Transport } from "../core/transport.js";
import type { Catalog } from "./catalog.js";
import { ApiError } from "./errors.js";

export const MAX_REPLAY = 1000;
const CHUNK = 100;
/** Long enough for the moves of one request; short enough that a crashed one blocks nothing for long. */
const LOCK_TTL_S = 60;

export type Selection = { ids: readonly string[] } | { limit: number };

export interface Replayed {
  deadLetterId: string;
  originalId: string;
  stream: string;
  newId: string;
}

const list = (ids: readonly string[]) => ids.map((id) => JSON.stringify(id)).join(", ");

export async function replay(t: Transport, catalog: Catalog, dlq: string, selection: Selection): Promise<Replayed[]> {
  const strict = "ids" in selection;
  const ids = strict ? [...new Set(selection.ids)] : (await sendPipeline(t, [xrange(dlq, "-", "+", selection.limit)] as const))[0].map((e) => e.id);
  if (ids.length === 0) return [];

  const owner = crypto.randomUUID();
  const lockOps: Op<unknown>[] = ids.map((id) => setNxOp(replayLockKey(dlq, id), owner, LOCK_TTL_S));
  const readOps: Op<unknown>[] = ids.map((id) => xrange(dlq, id, id, 1));
  const results = await sendPipeline(t, [...lockOps, ...readOps]);
  const locked = results.slice(0, ids.length) as boolean[];
  const found = results.slice(ids.length) as StreamEntry[][];
  const ours = ids.filter((_, i) => locked[i]);
  const release = () => (ours.length > 0 ? sendPipeline(t, [delOp(ours.map((id) => replayLockKey(dlq, id)))]) : Promise.resolve());

  let letters: DeadLetter[];
  try {
    letters = check(catalog, dlq, ids, locked, found, strict);
  } catch (error) {
    await release();
    throw error;
  }
  // Not strict: ids another replay took or finished are skipped; drop our locks on those we read as gone.
  const taken = new Set(letters.map((d) => d.id));
  const leftover = ours.filter((id) => !taken.has(id));
  if (leftover.length > 0) await sendPipeline(t, [delOp(leftover.map((id) => replayLockKey(dlq, id)))]);
  return move(t, dlq, letters);
}

function check(catalog: Catalog, dlq: string, ids: string[], locked: boolean[], found: StreamEntry[][], strict: boolean): DeadLetter[] {
  const missing = ids.filter((_, i) => found[i]!.length === 0);
  const busy = ids.filter((_, i) => !locked[i] && found[i]!.length > 0);
  if (strict && missing.length > 0) throw new ApiError(404, "dead_letter_not_found", `${dlq} has no entries ${list(missing)}`);
  if (strict && busy.length > 0) throw new ApiError(409, "replay_in_progress", `another request is replaying ${list(busy)}; retry in ${LOCK_TTL_S} s at most`);

  const entries = ids.flatMap((id, i) => (locked[i] && found[i]!.length > 0 ? [found[i]![0]!] : []));
  const letters = entries.map((e) => parseDeadLetter(e));
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

async function move(t: Transport, dlq: string, letters: readonly DeadLetter[]): Promise<Replayed[]> {
  const replayed: Replayed[] = [];
  for (let i = 0; i < letters.length; i += CHUNK) {
    const chunk = letters.slice(i, i + CHUNK);
    // Per message: XADD, XDEL, lock DEL. Only a WRONGTYPE source key could fail an XADD at run time, and it is a configured stream.
    const ops = chunk.flatMap((d) => [xadd(d.stream, d.fields), xdel(dlq, [d.id]), delOp([replayLockKey(dlq, d.id)])]);
    const results = await transactionSettled(t, ops);
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw new RedisReplyError(`replay of ${list(chunk.map((d) => d.id))} failed: ${failed.error}`);
    chunk.forEach((d, j) => {
      replayed.push({ deadLetterId: d.id, originalId: d.originalId, stream: d.stream, newId: String((results[j * 3] as { value: string }).value) });
    });
  }
  return replayed;
}
