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
 * and puts them on their source stream either way. References lose their
 * holds with them (`purgeDeadLetters`): a hold left behind would stop
 * retention trimming its source stream for good.
 */
import { xrange, xrevrange, xtrim } from "../core/redis/commands.js";
import type { DeadLetter } from "../core/dead-letters/dead-letter.js";
import { parseDeadLetter } from "../core/dead-letters/dead-letter.js";
import { oldestRefOp, releaseRefOp } from "../core/dead-letters/dead-letter-refs.js";
import { xdel } from "../core/redis/commands.js";
import { TransportError } from "../core/redis/errors.js";
import { delOp } from "../core/redis/key-ops.js";
import { replayLockKey } from "../core/redis/keys.js";
import type { Op } from "../core/redis/ops.js";
import { sendPipeline, sendTransaction } from "../core/redis/ops.js";
import type { StreamEntry } from "../core/redis/parse-replies.js";
import { compareStreamIds, nextStreamId } from "../core/redis/stream-id.js";
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
  const ops: Op<unknown>[] = [xdel(dlq, ids), ...references.map((d) => releaseRefOp(d.stream, d.originalId, d.group)), delOp(ids.map((id) => replayLockKey(dlq, id)))];
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
  /** The newest id the purge removes up to; null when the stream was empty. */
  upTo: string | null;
  /** True when this request stopped at its page budget short of `upTo`: send the purge again with this `upTo` to go on. */
  more?: true;
}

/** Dead letters one page of a purge reads, and requests it sends at most (a Worker has 50 subrequests on Free). */
export const PURGE_PAGE = 200;
export const PURGE_REQUESTS = 40;

/**
 * `sources`: the streams whose functions dead-letter to `dlq`. While none
 * holds a source entry for a reference, the purge is one `XTRIM` as before.
 * Otherwise the dead letters from the oldest hold on are read in pages, and
 * each page is trimmed in the MULTI/EXEC that releases its references' holds
 * and reads the next page: a purge cut off anywhere leaves each dead letter
 * either gone with its hold, or kept with it. Entries below the oldest hold
 * go in the first trim unread: a dead letter is written after the entry it
 * refers to, so none of them is a reference still held.
 */
export async function purgeDeadLetters(t: Transport, dlq: string, upTo?: string, sources: readonly string[] = []): Promise<Purged> {
  const [newest, ...held] = await sendPipeline(t, [xrevrange(dlq, "+", "-", 1), ...sources.map((s) => oldestRefOp(s))]);
  const last = upTo ?? (newest as StreamEntry[])[0]?.id;
  if (last === undefined) return { purged: 0, upTo: null };
  const end = nextStreamId(last);
  const oldest = (held as (string | undefined)[]).filter((h): h is string => h !== undefined).sort(compareStreamIds)[0];
  if (oldest === undefined || compareStreamIds(oldest, end) >= 0) {
    const [purged] = await sendPipeline(t, [xtrim(dlq, { strategy: "MINID", threshold: end })] as const);
    return { purged, upTo: last };
  }
  let purged = 0;
  // Everything below `from` has been read (or needs no reading); `page` is read and not yet trimmed.
  let from = oldest;
  let page: StreamEntry[] = [];
  let finished = false;
  for (let requests = 1; requests < PURGE_REQUESTS && !finished; requests++) {
    const references = page.map((e) => parseDeadLetter(e)).filter((d): d is DeadLetter => d?.payloadInSource !== undefined);
    if (page.length > 0) from = nextStreamId(page.at(-1)!.id);
    // A page shorter than asked (the first request reads one, so page is set) was the last one before `upTo`.
    finished = requests > 1 && page.length < PURGE_PAGE;
    const ops: Op<unknown>[] = [...references.map((d) => releaseRefOp(d.stream, d.originalId, d.group)), xtrim(dlq, { strategy: "MINID", threshold: finished ? end : from })];
    if (!finished) ops.push(xrange(dlq, from, last, PURGE_PAGE));
    const replies = await sendTransaction(t, ops);
    purged += replies[references.length] as number;
    if (!finished) page = replies[references.length + 1] as StreamEntry[];
  }
  return finished ? { purged, upTo: last } : { purged, upTo: last, more: true };
}
