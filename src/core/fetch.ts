/**
 * What one request fetches for the next batch, and what its replies mean.
 *
 * - New messages: `XREADGROUP … COUNT n … >`, never BLOCK.
 * - Recovery: in one MULTI, `XPENDING … IDLE (vt − 1 s) cursor + COUNT 10n` then
 *   `XAUTOCLAIM … vt cursor COUNT n` (the listing with a little slack, see below). XAUTOCLAIM claims atomically (an
 *   overlapping run cannot claim the same entry: claiming resets its idle
 *   time) and reports trimmed entries, but not delivery counts; the XPENDING
 *   just before it, inside the same transaction, lists the same idle entries
 *   with their counts. So a message already at `maxDeliveries` is
 *   dead-lettered without being handed to a handler again.
 *
 * XAUTOCLAIM scans at most COUNT × 10 PEL entries per call, so a long run of
 * entries that are not idle (parked retries, another run's batch) could hide
 * idle ones behind it from a run with a small budget. XPENDING … IDLE has no
 * such limit: when XAUTOCLAIM claims nothing, the cursor jumps to the first
 * idle id XPENDING found. Each recovery request therefore either claims or
 * jumps, and an idle entry is reached however deep it sits.
 */
import { xautoclaim, xpendingRange, xreadgroup } from "./commands.js";
import type { Expired } from "./commit.js";
import type { Message } from "./define.js";
import type { AutoClaimReply, PendingEntry, StreamEntry } from "./parse-replies.js";
import { compareStreamIds } from "./stream-id.js";

export interface Target {
  stream: string;
  group: string;
  consumer: string;
}

/** A message put back without an attempt: eligible again at once, its delivery count reset when known. */
export interface Released {
  id: string;
  /** Deliveries to restore (XCLAIM … RETRYCOUNT), undoing a delivery that never reached a handler. */
  retryCount?: number;
}

export interface Fetched {
  toHandle: Message[];
  expired: Expired[];
  /** Trimmed ids still pending (Redis 6.2 shape), to acknowledge. */
  trimmed: string[];
  released: Released[];
  /** Trimmed or deleted entries found, acknowledged or purged, never handled. */
  dropped: number;
}

export const emptyFetch = (): Fetched => ({ toHandle: [], expired: [], trimmed: [], released: [], dropped: 0 });

export const readOp = (t: Target, count: number, noAck: boolean, gate?: string) =>
  xreadgroup(t.stream, t.group, t.consumer, { count, noAck, alsoStreams: gate === undefined ? [] : [gate] });

/**
 * Redis 7.0 reads its clock separately for each command of a MULTI (it calls
 * `mstime()` in each; 7.2 added a per-command snapshot), so an entry can turn
 * idle enough between the XPENDING and the XAUTOCLAIM. Listing with this much
 * slack keeps every entry XAUTOCLAIM may claim in the listing, with its
 * delivery count; listed entries it does not claim are only a lookup.
 * (Found by the drill: a claimed entry missing from the listing was put back
 * with one delivery counted that no handler ever saw.)
 */
export const LISTING_SLACK_MS = 1_000;

/**
 * XAUTOCLAIM … COUNT n examines at most 10·n PEL entries from its cursor
 * (t_stream.c: `attempts = count*10`). The listing is a filtered subsequence
 * of the same PEL from the same start, so listing 10·n entries covers every
 * entry the XAUTOCLAIM can reach. Fewer is not enough: nearly-due parked
 * retries pass the listing's slack but not XAUTOCLAIM's threshold, fill a
 * shorter listing, and push a claimed entry out of it.
 */
export const AUTOCLAIM_SCAN_FACTOR = 10;

export function recoverOps(t: Target, visibilityTimeoutMs: number, cursor: string, count: number) {
  const start = cursor === "0-0" ? "-" : cursor;
  return [
    xpendingRange(t.stream, t.group, { minIdleMs: Math.max(0, visibilityTimeoutMs - LISTING_SLACK_MS), start, count: count * AUTOCLAIM_SCAN_FACTOR }),
    xautoclaim(t.stream, t.group, t.consumer, visibilityTimeoutMs, cursor, count),
  ] as const;
}

export function fromRead(t: Target, entries: StreamEntry[]): Fetched {
  const fetched = emptyFetch();
  for (const e of entries) {
    // A new message cannot have been trimmed before its first delivery.
    if (e.fields) fetched.toHandle.push({ id: e.id, stream: t.stream, group: t.group, fields: e.fields, attempt: 1 });
  }
  return fetched;
}

export interface Recovered extends Fetched {
  /** Where the next recovery request starts; undefined when no idle entry is left to claim. */
  nextCursor: string | undefined;
}

export function fromRecovery(t: Target, before: PendingEntry[], claim: AutoClaimReply, maxDeliveries: number): Recovered {
  const fetched: Recovered = { ...emptyFetch(), nextCursor: nextCursor(before, claim) };
  const deliveries = new Map(before.map((p) => [p.id, p.deliveries]));
  for (const e of claim.claimed) {
    const counted = deliveries.get(e.id);
    if (counted === undefined) {
      // Beyond the XPENDING window (only when many trimmed ids crowd it): put it back at once.
      fetched.released.push({ id: e.id });
      continue;
    }
    const message: Message = { id: e.id, stream: t.stream, group: t.group, fields: e.fields ?? {}, attempt: counted + 1 };
    if (counted >= maxDeliveries) fetched.expired.push({ message, deliveries: counted });
    else fetched.toHandle.push(message);
  }
  for (const nil of claim.nilPositions) {
    // XAUTOCLAIM and the XPENDING before it walk the same idle entries in the same order.
    const id = nil.id ?? before[nil.index]?.id;
    if (id !== undefined) fetched.trimmed.push(id);
  }
  fetched.dropped = claim.deleted.length + claim.nilPositions.length;
  return fetched;
}

function nextCursor(before: PendingEntry[], claim: AutoClaimReply): string | undefined {
  // XAUTOCLAIM reached the end of the PEL, or XPENDING found nothing idle from here on.
  if (claim.cursor === "0-0" || before.length === 0) return undefined;
  if (claim.claimed.length > 0) return claim.cursor;
  const firstIdle = before[0]!.id;
  return compareStreamIds(firstIdle, claim.cursor) > 0 ? firstIdle : claim.cursor;
}
