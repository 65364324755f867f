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
import { xautoclaim, xpendingRange, xreadgroup } from "../redis/commands.js";
import type { Target } from "../define/target.js";
import type { Fetched } from "../handle/fetched.js";
import { emptyFetch } from "../handle/fetched.js";
import { plainMessage } from "../handle/prepare-messages.js";
import type { Delivered as Message } from "../define/define.js";
import { pauseKey } from "../redis/keys.js";
import { carriedDeliveries, DELIVERIES_FIELD } from "../features/delayed.js";
import type { AutoClaimReply, Fields, PendingEntry, StreamEntry } from "../redis/parse-replies.js";
import { sendPipeline } from "../redis/ops.js";
import { sortInto } from "../dead-letters/replay-target.js";
import { compareStreamIds } from "../redis/stream-id.js";
import type { Transport } from "../redis/transport.js";

export type { Target } from "../define/target.js";
export type { Fetched, Released } from "../handle/fetched.js";
export { emptyFetch } from "../handle/fetched.js";

/**
 * Every read names the function's pause gate (pause.ts), first, so a paused
 * function's read fails with WRONGTYPE whatever state the backpressure gate
 * is in; the first read of a run also names the backpressure gate. `from`:
 * the lane read (lane-plan.ts); the gates stay the function's own.
 */
export const readOp = (t: Target, count: number, noAck: boolean, gate?: string, from: string = t.stream) =>
  xreadgroup(from, t.group, t.consumer, { count, noAck, alsoStreams: [pauseKey(t.stream, t.group), ...(gate === undefined ? [] : [gate])] });

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
    const sorted = e.fields && sortInto(fetched, t, e.id, e.fields);
    if (sorted) fetched.toHandle.push(delivered(t, e.id, sorted, 0));
  }
  return fetched;
}

/** A fetched entry as handed on: a parked retry's carried deliveries count in `attempt` (delayed.ts). */
function delivered(t: Target, id: string, sorted: Fields, counted: number): Message {
  // Most entries carry no parked deliveries: no intermediate object for them (this runs per message).
  if (sorted[DELIVERIES_FIELD] === undefined) return plainMessage(id, t.stream, t.group, sorted, counted + 1);
  const { fields, prior } = carriedDeliveries(sorted);
  const message: Message = { id, stream: t.stream, group: t.group, fields, attempt: counted + prior + 1 };
  if (prior > 0) message.priorDeliveries = prior;
  return message;
}

export interface Recovered extends Fetched {
  /** Where the next recovery request starts; undefined when no idle entry is left to claim. */
  nextCursor: string | undefined;
  /** Claimed entries the listing did not hold: their delivery count is unknown until looked up. */
  unlisted: string[];
  /** Something to report: entries put back or left pending because they could not be accounted for. */
  note?: string;
}

export interface RecoveryLimits {
  maxDeliveries: number;
  visibilityTimeoutMs: number;
}

export function fromRecovery(t: Target, before: PendingEntry[], claim: AutoClaimReply, o: RecoveryLimits): Recovered {
  const fetched: Recovered = { ...emptyFetch(), nextCursor: nextCursor(before, claim), unlisted: [] };
  const deliveries = new Map(before.map((p) => [p.id, p.deliveries]));
  for (const e of claim.claimed) {
    const counted = deliveries.get(e.id);
    if (counted === undefined) {
      fetched.unlisted.push(e.id);
      continue;
    }
    const sorted = sortInto(fetched, t, e.id, e.fields ?? {});
    if (!sorted) continue;
    const message = delivered(t, e.id, sorted, counted);
    const total = message.attempt - 1;
    if (total >= o.maxDeliveries) fetched.expired.push({ message, deliveries: total });
    else fetched.toHandle.push(message);
  }
  const nils = identifyNils(before, claim, o.visibilityTimeoutMs);
  fetched.trimmed = nils.ids.map((id) => ({ id, stream: t.stream }));
  fetched.dropped = claim.deleted.length + nils.ids.length;
  if (nils.unknown > 0) {
    fetched.note =
      `recovery: ${nils.unknown} trimmed entr${nils.unknown === 1 ? "y" : "ies"} came back from XAUTOCLAIM as a bare nil (Redis 6.2) ` +
      "and could not be told apart from entries nobody handled; left pending, to be identified after the visibility timeout";
  }
  return fetched;
}

/**
 * `fromRecovery`, and for claimed entries the listing missed, one more
 * request that reads their delivery count after the claim. Real Redis never
 * needs it (the listing covers XAUTOCLAIM's scan, see above), but a server
 * that scans further could: without it such an entry would carry a delivery
 * no handler saw. Its count is then known, so it is handled, or dead-lettered
 * at `maxDeliveries`, like any listed entry; reported either way.
 */
export async function readRecovery(tr: Transport, t: Target, before: PendingEntry[], claim: AutoClaimReply, o: RecoveryLimits): Promise<Recovered> {
  const first = fromRecovery(t, before, claim, o);
  if (first.unlisted.length === 0) return first;
  const ops = first.unlisted.map((id) => xpendingRange(t.stream, t.group, { start: id, end: id, count: 1, consumer: t.consumer }));
  const looked = (await sendPipeline(tr, ops)).flat();
  // XAUTOCLAIM counted one delivery on each: the listing would have shown one less.
  const listing = [...before, ...looked.map((p) => ({ ...p, deliveries: p.deliveries - 1 }))].sort((a, b) => compareStreamIds(a.id, b.id));
  const second = fromRecovery(t, listing, claim, o);
  // Not ours any more (nothing else claims an entry idle for less than the timeout): put back, counted one too high.
  second.released.push(...second.unlisted.map((id) => ({ id, stream: t.stream })));
  const lost = second.unlisted.length > 0 ? `; ${second.unlisted.length} could not be looked up and were put back with one delivery too many: ${second.unlisted.join(", ")}` : "";
  const note = `recovery: XAUTOCLAIM claimed ${first.unlisted.length} entries the XPENDING listing before it did not hold; their delivery counts were read after the claim${lost}`;
  second.note = second.note === undefined ? note : `${note}; ${second.note}`;
  return second;
}

/**
 * Redis 6.2 returns a trimmed entry as a bare nil, without its id. It sits in
 * claim order between two claimed entries whose ids are known (or the ends of
 * the scan), so it is one of the listed entries between them. A listed entry
 * that was already idle for the full visibility timeout when XPENDING ran was
 * certainly claimed (idle time only grows, and XAUTOCLAIM walked past it); the
 * others may not have been. Ids are taken only when the certain ones are
 * exactly as many as the nils: acknowledging a guess could drop a message no
 * handler ever saw.
 */
function identifyNils(before: PendingEntry[], claim: AutoClaimReply, visibilityTimeoutMs: number): { ids: string[]; unknown: number } {
  // The claim order, with null for a bare nil; nils of the `[id, nil]` shape carry their id.
  const nilAt = new Map(claim.nilPositions.map((n) => [n.index, n.id]));
  const order: (string | null)[] = [];
  for (let i = 0, c = 0; i < claim.claimed.length + claim.nilPositions.length; i++) order.push(nilAt.has(i) ? nilAt.get(i)! : claim.claimed[c++]!.id);
  const ids = claim.nilPositions.flatMap((n) => (n.id === null ? [] : [n.id]));
  let unknown = 0;
  let after: string | undefined;
  for (let i = 0; i < order.length; ) {
    if (order[i] !== null) {
      after = order[i++]!;
      continue;
    }
    let nils = 0;
    for (; i < order.length && order[i] === null; i++) nils += 1;
    // Up to the next known id, or up to the cursor (the first entry not examined) when none follows.
    const until = order[i] ?? (claim.cursor === "0-0" ? undefined : claim.cursor);
    const between = before.filter((p) => (after === undefined || compareStreamIds(p.id, after) > 0) && (until === undefined || compareStreamIds(p.id, until) < 0));
    const certain = between.filter((p) => p.idleMs >= visibilityTimeoutMs);
    if (certain.length === nils) ids.push(...certain.map((p) => p.id));
    else unknown += nils;
  }
  return { ids, unknown };
}

function nextCursor(before: PendingEntry[], claim: AutoClaimReply): string | undefined {
  // XAUTOCLAIM reached the end of the PEL, or XPENDING found nothing idle from here on.
  if (claim.cursor === "0-0" || before.length === 0) return undefined;
  if (claim.claimed.length > 0) return claim.cursor;
  const firstIdle = before[0]!.id;
  return compareStreamIds(firstIdle, claim.cursor) > 0 ? firstIdle : claim.cursor;
}
