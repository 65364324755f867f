/**
 * Deleting dead letters, on purpose: by id, or all up to an id (purge).
 *
 * By id: each id is locked and read like a replay (dead-letter-locks.ts), so
 * a delete never races a replay of the same entry; unknown ids 404 and busy
 * ones 409 before anything is deleted. Then one MULTI/EXEC XDELs them,
 * releases the source-entry holds of references (dead-letter-refs.ts) and
 * drops the locks: all or nothing. A dropped connection leaves either all
 * deleted or none, and the locks expire after `LOCK_TTL_S`.
 *
 * Purge: `XTRIM MINID` just past `upTo` (the newest entry when the request
 * was checked), exact, so dead letters written meanwhile by a run are kept.
 * Entries under replay are removed too: a replay has its messages in hand
 * and puts them on their source stream either way.
 */
import { xrevrange, xtrim } from "../core/redis/commands.js";
import type { DeadLetter } from "../core/dead-letters/dead-letter.js";
import { parseDeadLetter } from "../core/dead-letters/dead-letter.js";
import { releaseRefOp } from "../core/dead-letters/dead-letter-refs.js";
import { xdel } from "../core/redis/commands.js";
import { TransportError } from "../core/redis/errors.js";
import { delOp } from "../core/redis/key-ops.js";
import { replayLockKey } from "../core/redis/keys.js";
import type { Op } from "../core/redis/ops.js";
import { sendPipeline, sendTransaction } from "../core/redis/ops.js";
import { nextStreamId } from "../core/redis/stream-id.js";
import type { Transport } from "../core/redis/transport.js";
import { LOCK_TTL_S, lockAndRead } from "./dead-letter-locks.js";
import { ApiError } from "./errors.js";

const list = (ids: readonly string[]) => ids.map((id) => JSON.stringify(id)).join(", ");

export async function deleteDeadLetters(t: Transport, dlq: string, ids: readonly string[]): Promise<string[]> {
  const { locked, found, release } = await lockAndRead(t, dlq, ids);
  const missing = ids.filter((_, i) => found[i]!.length === 0);
  const busy = ids.filter((_, i) => !locked[i] && found[i]!.length > 0);
  if (missing.length > 0 || busy.length > 0) {
    await release();
    if (missing.length > 0) throw new ApiError(404, "dead_letter_not_found", `${dlq} has no entries ${list(missing)}; nothing was deleted`);
    throw new ApiError(409, "replay_in_progress", `${list(busy)} are being replayed; nothing was deleted. Retry in ${LOCK_TTL_S} s, or after their group's next run`);
  }
  const references = found.map((e) => parseDeadLetter(e[0]!)).filter((d): d is DeadLetter => d?.payloadInSource !== undefined);
  const ops: Op<unknown>[] = [xdel(dlq, ids), ...references.map((d) => releaseRefOp(d.stream, d.originalId)), delOp(ids.map((id) => replayLockKey(dlq, id)))];
  try {
    await sendTransaction(t, ops);
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    throw new ApiError(503, "redis_unavailable", `the delete of ${list(ids)} may or may not have happened (${String(error)}): all of them are gone, or none; list them to see`, {}, { cause: error });
  }
  return [...ids];
}

export interface Purged {
  purged: number;
  /** The newest id removed; null when the stream was empty. */
  upTo: string | null;
}

export async function purgeDeadLetters(t: Transport, dlq: string, upTo?: string): Promise<Purged> {
  let last = upTo;
  if (last === undefined) {
    const [newest] = await sendPipeline(t, [xrevrange(dlq, "+", "-", 1)] as const);
    if (newest.length === 0) return { purged: 0, upTo: null };
    last = newest[0]!.id;
  }
  const [purged] = await sendPipeline(t, [xtrim(dlq, { strategy: "MINID", threshold: nextStreamId(last) })] as const);
  return { purged, upTo: last };
}
