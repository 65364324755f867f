/**
 * The move of locked, checked dead letters back onto their source streams,
 * in chunks of up to 100, two MULTI/EXECs per chunk:
 *
 * 1. `XADD source * …` of each message (its original fields plus the reserved
 *    fields of replay-target.ts), and `EXPIRE` of its replay lock to
 *    `RECORD_TTL_S`. MULTI runs every command even when one fails, so no
 *    XDEL rides along here: a failed XADD (WRONGTYPE, an exhausted stream)
 *    must leave its dead letter where it is.
 * 2. `XDEL dlq` of exactly those whose XADD succeeded, and `DEL` of every
 *    lock of the chunk.
 *
 * Between the two, a message is on both streams, and its lock is a record
 * that says so. A crash or dropped connection there leaves it so: the
 * replayed entry names its dead letter, and the first run of its group that
 * reads it deletes the dead letter and the lock in that batch's commit.
 * Until then the lock refuses another replay of it (409), so it is never
 * added twice. A drop before step 1 ran leaves only the 60 s lock.
 */
import { xadd, xdel } from "../core/redis/commands.js";
import type { DeadLetter } from "../core/dead-letters/dead-letter.js";
import { delOp } from "../core/redis/key-ops.js";
import { replayLockKey } from "../core/redis/keys.js";
import type { Op } from "../core/redis/ops.js";
import { op, sendPipeline, transactionSettled } from "../core/redis/ops.js";
import { replayFields } from "../core/dead-letters/replay-target.js";
import type { Transport } from "../core/redis/transport.js";
import { ApiError } from "./errors.js";

const CHUNK = 100;
/** @see https://redis.io/commands/expire */
const expireOp = (key: string, seconds: number) => op(["EXPIRE", key, seconds], Number);
/** How long a lock outlives an interrupted move: the time its group's runs have to settle it. */
export const RECORD_TTL_S = 7 * 24 * 3600;

export interface Move {
  letter: DeadLetter;
  /** The group it is replayed to; undefined: every group of its stream. */
  to: string | undefined;
}

export interface Replayed {
  deadLetterId: string;
  originalId: string;
  stream: string;
  /** The only group that gets it; null when replayed to every group. */
  group: string | null;
  newId: string;
}

const list = (ids: readonly string[]) => ids.map((id) => JSON.stringify(id)).join(", ");
/** Redis's run-time refusals that come from the source key's state, not from Redis failing. */
const CONFLICT = /^WRONGTYPE|exhausted the last possible ID/;

export async function move(t: Transport, dlq: string, moves: readonly Move[]): Promise<Replayed[]> {
  const replayed: Replayed[] = [];
  const lock = (m: Move) => replayLockKey(dlq, m.letter.id);
  for (let i = 0; i < moves.length; i += CHUNK) {
    const chunk = moves.slice(i, i + CHUNK);
    const notAttempted = moves.slice(i + CHUNK);
    const released = () => releaseLocks(t, notAttempted.map(lock));

    const adds = chunk.map((m) => xadd(m.letter.stream, replayFields(m.letter.fields, { dlq, id: m.letter.id }, m.to)));
    let added;
    try {
      added = await transactionSettled(t, [...adds, ...chunk.map((m) => expireOp(lock(m), RECORD_TTL_S))] as Op<unknown>[]);
    } catch (error) {
      await released();
      throw outcomeUnknown(chunk, replayed, error);
    }
    const ok = chunk.filter((_, j) => added[j]!.ok);
    const failed = chunk.flatMap((m, j) => {
      const r = added[j]!;
      return r.ok ? [] : [{ m, error: r.error }];
    });
    const settle: Op<unknown>[] = [...(ok.length > 0 ? [xdel(dlq, ok.map((m) => m.letter.id))] : []), delOp(chunk.map(lock))];
    try {
      await transactionSettled(t, settle);
    } catch (error) {
      await released();
      throw new ApiError(503, "redis_unavailable", `${list(ok.map((m) => m.letter.id))} are on their source streams, but their removal from ${dlq} is unconfirmed (${String(error)}); their group's next run removes them${done(replayed)}`, {}, { cause: error });
    }
    ok.forEach((m) => {
      const value = (added[chunk.indexOf(m)] as { value: unknown }).value;
      replayed.push({ deadLetterId: m.letter.id, originalId: m.letter.originalId, stream: m.letter.stream, group: m.to ?? null, newId: String(value) });
    });
    if (failed.length > 0) {
      await released();
      const why = failed.map(({ m, error }) => `${JSON.stringify(m.letter.id)} onto ${JSON.stringify(m.letter.stream)}: ${error}`).join("; ");
      const conflict = failed.every((f) => CONFLICT.test(f.error));
      const message = `not replayed, still in ${dlq}: ${why}${notAttempted.length > 0 ? `; not attempted: ${list(notAttempted.map((m) => m.letter.id))}` : ""}${done(replayed)}`;
      throw conflict ? new ApiError(409, "replay_target_unwritable", message) : new ApiError(502, "redis_error", message);
    }
  }
  return replayed;
}

const done = (replayed: readonly Replayed[]) =>
  replayed.length === 0 ? "" : `; replayed: ${replayed.map((r) => `${JSON.stringify(r.deadLetterId)} as ${JSON.stringify(r.newId)}`).join(", ")}`;

function outcomeUnknown(chunk: readonly Move[], replayed: readonly Replayed[], error: unknown): ApiError {
  return new ApiError(
    503,
    "replay_outcome_unknown",
    `the replay of ${list(chunk.map((m) => m.letter.id))} may or may not have reached their source streams (${String(error)}). ` +
      `Each is on its source stream or still in the dead-letter stream, never lost and never added twice: ` +
      `a replay that landed is removed from the dead-letter stream by its group's next run, and until then replaying it again answers 409${done(replayed)}`,
    {},
    { cause: error },
  );
}

/** Best effort: a lock left behind expires by itself. */
async function releaseLocks(t: Transport, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await sendPipeline(t, [delOp(keys)]).catch(() => undefined);
}
