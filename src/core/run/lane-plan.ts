/**
 * The one place a run fans out over its lanes (define/lanes.ts): a function
 * without lanes is a plan of one lane, its stream, so every step reads,
 * recovers and counts the same way either way, with no branch for lanes.
 *
 * - Reads: one `XREADGROUP` per lane, highest first, in the request the run
 *   sends anyway, each naming the pause gate (fetch.ts `readOp`), with counts
 *   from `laneCounts` over the lanes' last reads, kept here between fetches.
 *   Reading is over when every lane asked came back short.
 * - Recovery: each lane keeps its own XAUTOCLAIM cursor; every lane still
 *   holding idle entries sends its XPENDING+XAUTOCLAIM pair (10·n listing
 *   rule per lane) in the same MULTI/EXEC, its share of the size by weight.
 *
 * Every entry a lane brings carries its lane's stream (`Delivered.stream`),
 * so its XACK, retry, put-back and dead letter go to that stream (commit.ts).
 */
import type { Target } from "../define/target.js";
import type { LaneRead } from "../define/lanes.js";
import { laneCounts, shares } from "../define/lanes.js";
import { lanesOf, streamsRead, type FunctionOptions } from "../define/options.js";
import type { Fetched } from "../handle/fetched.js";
import { emptyFetch } from "../handle/fetched.js";
import type { Op } from "../redis/ops.js";
import type { AutoClaimReply, PendingEntry, StreamEntry } from "../redis/parse-replies.js";
import type { Transport } from "../redis/transport.js";
import type { Recovered } from "./fetch.js";
import { fromRead, readOp, readRecovery, recoverOps } from "./fetch.js";

export interface LanePlan {
  /** Highest first; the function's own stream alone when it has no lanes. */
  readonly streams: readonly string[];
  readonly weights: readonly number[];
  /** Lane names as the report shows them; undefined without lanes. */
  readonly names: readonly string[] | undefined;
  /** What each lane's last read asked for and got; undefined before the first. */
  last: LaneRead[] | undefined;
  /** What the read being built asks of each lane (0: not read this time). */
  asked: number[];
  /** Each lane's next recovery cursor; undefined once that lane has no idle entry left to claim. */
  cursors: (string | undefined)[];
}

export function lanePlan(stream: string, o: Pick<FunctionOptions, "lanes">): LanePlan {
  const lanes = lanesOf(o);
  const streams = streamsRead(stream, o);
  return { streams, weights: lanes?.weights ?? [1], names: lanes?.names, last: undefined, asked: [], cursors: streams.map(() => undefined) };
}

export const laneTarget = (t: Target, stream: string): Target => (stream === t.stream ? t : { ...t, stream });

/**
 * `size` over the lanes by weight. A budget (time, CPU, subrequests) may
 * allow fewer messages than there are lanes: then one each goes to the
 * highest lanes not found short (a lane not read yet this run counts as not
 * short), so every lane is reached within ⌈lanes / size⌉ fetches, and an
 * empty high lane never keeps a lower one from being read. The share bound
 * of lanes.ts holds from a size of one message per lane up.
 */
function split(size: number, weights: readonly number[], counts: (size: number) => number[], last?: readonly LaneRead[]): number[] {
  if (size >= weights.length) return counts(size);
  const short = (i: number) => (last?.[i] !== undefined && last[i]!.asked > 0 && last[i]!.got < last[i]!.asked ? 1 : 0);
  const order = weights.map((_, i) => i).sort((a, b) => short(a) - short(b) || a - b);
  const out = weights.map(() => 0);
  for (const i of order.slice(0, size)) out[i] = 1;
  return out;
}

/** The reads of one fetch, highest lane first; a lane asked for nothing is not read (COUNT 0 would mean no limit). */
export function readOps(t: Target, plan: LanePlan, size: number, noAck: boolean, gate?: string): Op<unknown>[] {
  plan.asked = split(size, plan.weights, (n) => laneCounts(n, plan.weights, plan.last), plan.last);
  return plan.streams.flatMap((stream, i) => (plan.asked[i]! > 0 ? [readOp(t, plan.asked[i]!, noAck, gate, stream)] : []));
}

export interface Reads {
  fetched: Fetched;
  /** Every lane was read and came back short: nothing new is left to read. */
  short: boolean;
  /** A lane came back full: a backlog (fan-out, budgets). */
  full: boolean;
  /** Messages per lane, highest first. */
  perLane: number[];
}

/** What `readOps`' replies (in its order) brought, merged; the lanes' last reads are kept for the next counts. */
export function takeReads(t: Target, plan: LanePlan, replies: readonly StreamEntry[][]): Reads {
  const parts: Fetched[] = [];
  const last = plan.streams.map((_, i) => plan.last?.[i] ?? { asked: 0, got: 0 });
  const perLane = plan.streams.map(() => 0);
  let r = 0;
  let short = true;
  let full = false;
  plan.streams.forEach((stream, i) => {
    const asked = plan.asked[i]!;
    // A lane this fetch could not afford to ask may hold messages: reading is not over.
    if (asked === 0) return void (short = false);
    const part = fromRead(laneTarget(t, stream), replies[r++] ?? []);
    const got = part.toHandle.length + part.skipped.length;
    last[i] = { asked, got };
    perLane[i] = part.toHandle.length;
    short &&= got < asked;
    full ||= got >= asked;
    parts.push(part);
  });
  plan.last = last;
  return { fetched: merge(parts), short, full, perLane };
}

/** Lanes still recovering, with their share of `size`; each pair's two ops in `recoverOps` order. */
export function recoverLaneOps(t: Target, plan: LanePlan, visibilityTimeoutMs: number, size: number): Op<unknown>[] {
  const open = plan.streams.flatMap((_, i) => (plan.cursors[i] === undefined ? [] : [i]));
  const counts = split(size, open.map((i) => plan.weights[i]!), (n) => shares(n, open.map((i) => plan.weights[i]!)));
  plan.asked = plan.streams.map(() => 0);
  open.forEach((lane, j) => (plan.asked[lane] = counts[j]!));
  return plan.streams.flatMap((stream, i) => (plan.asked[i]! > 0 ? [...recoverOps(laneTarget(t, stream), visibilityTimeoutMs, plan.cursors[i]!, plan.asked[i]!)] : []));
}

/** What `recoverLaneOps`' replies brought, merged; each lane's cursor moves on. */
export async function takeRecovery(tr: Transport, t: Target, plan: LanePlan, values: readonly unknown[], o: { maxDeliveries: number; visibilityTimeoutMs: number }): Promise<Recovered> {
  const parts: Recovered[] = [];
  let r = 0;
  for (const [i, stream] of plan.streams.entries()) {
    if (!(plan.asked[i]! > 0)) continue;
    const part = await readRecovery(tr, laneTarget(t, stream), values[r] as PendingEntry[], values[r + 1] as AutoClaimReply, o);
    r += 2;
    plan.cursors[i] = part.nextCursor;
    parts.push(part);
  }
  const note = parts.flatMap((p) => (p.note === undefined ? [] : [p.note])).join("; ");
  return { ...merge(parts), nextCursor: plan.cursors.find((c) => c !== undefined), unlisted: parts.flatMap((p) => p.unlisted), ...(note ? { note } : {}) };
}

/** Starts recovery on the lanes with something pending (all of them when only a total is known). */
export function startRecovery(plan: LanePlan, pending: readonly number[] | undefined, pendingAtStart: number): boolean {
  plan.cursors = plan.streams.map((_, i) => ((pending?.[i] ?? pendingAtStart) > 0 ? "0-0" : undefined));
  return plan.cursors.some((c) => c !== undefined);
}

function merge(parts: readonly Fetched[]): Fetched {
  if (parts.length === 1) return parts[0]!;
  const all = emptyFetch();
  for (const p of parts) {
    all.toHandle.push(...p.toHandle);
    all.expired.push(...p.expired);
    all.trimmed.push(...p.trimmed);
    all.released.push(...p.released);
    all.skipped.push(...p.skipped);
    all.replayOf.push(...p.replayOf);
    all.dropped += p.dropped;
  }
  return all;
}
