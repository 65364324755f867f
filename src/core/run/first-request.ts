/**
 * A run's first request: one pipeline of `XPENDING` (the summary) and
 * `XREADGROUP … STREAMS <stream> <gate> > >`. When nothing is pending and
 * nothing is new, that is the whole run: one request, two commands.
 *
 * The gate (keys.ts `gateKey`) makes the read conditional without a third
 * command: while the group holds `maxPending` entries the run deletes the
 * gate, the read fails with NOGROUP and reads nothing, and the run spends its
 * budget on recovery instead. The read also names the pause gate (pause.ts):
 * a paused function's read fails with WRONGTYPE and the run stops at once. A
 * read refused for any other reason (Upstash's per-consumer PEL limit) also
 * reads nothing and lets recovery go on.
 *
 * With `delays`, the summary comes from the promotion script (promote.ts),
 * which first moves due delayed messages into the stream; the read after it
 * in the same pipeline reads them. Still one request, two commands.
 */
import { xgroupCreate, xpendingSummary, xreadgroup } from "../redis/commands.js";
import { pauseKey } from "../redis/keys.js";
import { ensureGroup, isBusyGroup, isMissingGroup } from "../features/ensure-group.js";
import { RedisReplyError } from "../redis/errors.js";
import type { Target } from "./fetch.js";
import type { LanePlan } from "./lane-plan.js";
import { readOps } from "./lane-plan.js";
import type { Op, Settled } from "../redis/ops.js";
import { refusedShebang } from "../redis/script.js";
import { pipelineSettled } from "../redis/ops.js";
import { isPausedError, pauseGateOpenOp } from "../features/pause.js";
import type { StreamEntry } from "../redis/parse-replies.js";
import type { Transport } from "../redis/transport.js";
import type { FirstRequest, FirstShape } from "../features/feature.js";

export type { FirstRequest } from "../features/feature.js";

export async function firstRequest(
  t: Transport,
  target: Target,
  o: { noAck: boolean; startId: string },
  /** The features' changes, merged (run/start.ts). */
  shape: FirstShape,
  size: () => number,
  /** The streams read, highest lane first (lane-plan.ts): each has its summary and its read. */
  lanes: LanePlan,
): Promise<FirstRequest> {
  const gate = shape.gate;
  const summaryOps = (): Op<unknown>[] => lanes.streams.map((stream) => shape.summary?.(stream) ?? xpendingSummary(stream, target.group));
  const extra = shape.ride?.ops ?? [];
  let mainMissing = false;
  // Each lane's read as it came back (lane order), and what it asked: a lane's read may succeed beside another's refusal.
  let laneReads: LaneReply[] = [];
  const send = async (count: number): Promise<[Settled<unknown>, Settled<unknown> | undefined]> => {
    const summaries = summaryOps();
    const reads = count === 0 ? [] : shape.gatesOnly ? [gatesOnlyOp(target, gate)] : readOps(target, lanes, count, o.noAck, gate);
    const settled = await pipelineSettled(t, [...summaries, ...reads, ...extra]);
    const ops = summaries.length + reads.length;
    if (extra.length > 0) shape.ride?.replies?.(settled.slice(ops));
    const main = settled[lanes.streams.indexOf(target.stream)];
    mainMissing = main !== undefined && !main.ok && isMissingGroup(main.error);
    laneReads = count === 0 || shape.gatesOnly ? [] : byLane(lanes.asked, settled.slice(summaries.length, ops));
    return [joined(settled.slice(0, summaries.length)), reads.length === 0 ? undefined : joined(settled.slice(summaries.length, ops))];
  };
  // What a send's lane reads delivered stays delivered (pending under our consumer) when the request is sent again.
  let carried: LaneReply[] = [];
  const plainSummary = async () => joined(await pipelineSettled(t, lanes.streams.map((stream) => xpendingSummary(stream, target.group))));
  let requested = size();
  let [summary, read] = await send(requested);
  let promotedAfterRead = false;
  if (!summary.ok && refusedShebang(summary.error)) {
    // The script never ran. A read that did is kept, and the plain script goes alone; a refused read goes again with it.
    if (read?.ok) {
      summary = joined(await pipelineSettled(t, summaryOps()));
      promotedAfterRead = true;
    } else [summary, read] = await send(requested);
  }
  if (!summary.ok && isMissingGroup(summary.error)) {
    // Only when missing: ensureGroup also opens the gates, and the backpressure gate may be closed on purpose.
    if (mainMissing) await ensureGroup(t, target.stream, target.group, o.startId);
    await ensureLaneGroups(t, target, lanes, o.startId);
    // A lane whose group existed was read already (its entries are pending under our consumer): hand them on too.
    carried = laneReads;
    requested = size();
    [summary, read] = await send(requested);
    promotedAfterRead = false;
  }
  let promoteError: string | undefined;
  if (!summary.ok && shape.summary && !isMissingGroup(summary.error)) {
    // Promotion failed (a key of ours holds the wrong type, say): the stream is still consumed, and the run reports it.
    promoteError = summary.error;
    summary = await plainSummary();
  }
  if (!summary.ok) throw new RedisReplyError(summary.error);
  let pauseGate: "opened" | "open" | "paused" | undefined;
  if (read !== undefined && !read.ok && isMissingGroup(read.error) && !namesKey(read.error, gate)) pauseGate = await openPauseGate(t, target);
  if (pauseGate === "opened") {
    // A group from before pausing existed (or made by hand): its gate is open now; read again, once.
    requested = size();
    [summary, read] = await send(requested);
    if (!summary.ok) throw new RedisReplyError(summary.error);
  }
  const values = summary.value as ({ count: number } | { pending: number; promoted: number })[];
  const pending = values.map((v) => ("count" in v ? v.count : v.pending));
  const promoted = values.reduce((n, v) => n + ("promoted" in v ? v.promoted : 0), 0);
  const pendingAtStart = pending.reduce((a, b) => a + b, 0);
  const base = { pendingAtStart, pending, asked: lanes.asked, promoted, promotedAfterRead: promotedAfterRead && promoted > 0, ...(promoteError === undefined ? {} : { promoteError }) };
  if (pauseGate === "paused") return { ...base, entries: undefined, requested: 0, gateOpen: true, paused: true };
  if (read === undefined) return { ...base, entries: undefined, requested: 0, gateOpen: true };
  if (read.ok && shape.gatesOnly) return { ...base, entries: undefined, requested: 0, gateOpen: true };
  if (read.ok || (!isPausedError(read.error) && !isMissingGroup(read.error))) {
    // Refused for another reason (Upstash's per-consumer PEL limit is per stream): the lanes read stay read.
    const got = merged(carried, laneReads);
    lanes.asked = got.map((r) => r.asked);
    const entries = got.filter((r) => r.asked > 0).map((r) => r.entries);
    return { ...base, asked: lanes.asked, entries, requested: lanes.asked.reduce((a, b) => a + b, 0), gateOpen: true, ...(read.ok ? {} : { readError: read.error }) };
  }
  if (isPausedError(read.error)) return { ...base, entries: undefined, requested: 0, gateOpen: true, paused: true };
  // The group and the pause gate exist, so a missing group here is the closed backpressure gate (it refuses every lane alike).
  return { ...base, entries: undefined, requested: 0, gateOpen: false };
}

/** One lane's read in the first request: what it asked, and what it brought (nothing when it was refused or not sent). */
interface LaneReply {
  asked: number;
  entries: StreamEntry[];
}

/** The reads' replies (sent for the lanes asked for more than 0) by lane; a refused read counts as not asked. */
function byLane(asked: readonly number[], replies: readonly Settled<unknown>[]): LaneReply[] {
  let r = 0;
  return asked.map((n) => {
    if (n === 0) return { asked: 0, entries: [] };
    const reply = replies[r++];
    return reply?.ok ? { asked: n, entries: reply.value as StreamEntry[] } : { asked: 0, entries: [] };
  });
}

const merged = (a: readonly LaneReply[], b: readonly LaneReply[]): LaneReply[] =>
  b.map((x, i) => (a[i] === undefined || a[i]!.asked === 0 ? x : { asked: a[i]!.asked + x.asked, entries: [...a[i]!.entries, ...x.entries] }));

/** Several lanes' replies as one: the first refusal (the gates refuse every lane's read alike), or every value in order. */
function joined(settled: readonly Settled<unknown>[]): Settled<unknown[]> {
  const bad = settled.find((x) => !x.ok);
  if (bad && !bad.ok) return bad;
  return { ok: true, value: settled.map((x) => (x as { value: unknown }).value) };
}

/**
 * Each lane's group beside the function's own (ensure-group.ts makes that one
 * and its gates): the gates are the function's, so a lane needs only its
 * group. A lane stream holds only what was enqueued for that lane, so it is
 * read from its start unless the function starts at "$".
 */
async function ensureLaneGroups(t: Transport, target: Target, lanes: LanePlan, startId: string): Promise<void> {
  const others = lanes.streams.filter((s) => s !== target.stream);
  if (others.length === 0) return;
  const created = await pipelineSettled(t, others.map((stream) => xgroupCreate(stream, target.group, startId === "$" ? "$" : "0", { mkStream: true })));
  for (const c of created) if (!c.ok && !isBusyGroup(c.error)) throw new RedisReplyError(c.error);
}

/** Redis and the engine name the key in NOGROUP; a server that does not is handled by `openPauseGate`'s answer. */
const namesKey = (error: string, key: string | undefined): boolean => key !== undefined && error.includes(`'${key}'`);

/**
 * Opens the pause gate after a NOGROUP that may be its own. Its answer says
 * which gate the NOGROUP was about, whatever the error's wording: "opened"
 * (it was the pause gate), "open" (BUSYGROUP: the backpressure gate),
 * "paused" (WRONGTYPE: paused since).
 */
async function openPauseGate(t: Transport, target: Target): Promise<"opened" | "open" | "paused"> {
  const [created] = await pipelineSettled(t, [pauseGateOpenOp(target.stream, target.group)] as const);
  if (created.ok) return "opened";
  if (isBusyGroup(created.error)) return "open";
  if (isPausedError(created.error)) return "paused";
  throw new RedisReplyError(created.error);
}

/** `XREADGROUP … STREAMS <pause gate> [<gate>] > >`: reads nothing (the gates stay empty), fails as the gates say. */
const gatesOnlyOp = (target: Target, gate: string | undefined) =>
  xreadgroup(pauseKey(target.stream, target.group), target.group, target.consumer, { count: 1, alsoStreams: gate === undefined ? [] : [gate] });
