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
import { xpendingSummary, xreadgroup } from "../redis/commands.js";
import { pauseKey } from "../redis/keys.js";
import { ensureGroup, isBusyGroup, isMissingGroup } from "../features/ensure-group.js";
import { RedisReplyError } from "../redis/errors.js";
import type { Target } from "./fetch.js";
import { readOp } from "./fetch.js";
import type { Op } from "../redis/ops.js";
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
): Promise<FirstRequest> {
  const gate = shape.gate;
  const summaryOp = (): Op<unknown> => shape.summary?.() ?? xpendingSummary(target.stream, target.group);
  const extra = shape.ride?.ops ?? [];
  const send = async (count: number) => {
    const ops: Op<unknown>[] = [summaryOp()];
    if (count > 0) ops.push(shape.gatesOnly ? gatesOnlyOp(target, gate) : readOp(target, count, o.noAck, gate));
    const settled = await pipelineSettled(t, [...ops, ...extra]);
    if (extra.length > 0) shape.ride?.replies?.(settled.slice(ops.length));
    return settled.slice(0, ops.length);
  };
  let requested = size();
  let [summary, read] = await send(requested);
  let promotedAfterRead = false;
  if (!summary!.ok && refusedShebang(summary!.error)) {
    // The script never ran. A read that did is kept, and the plain script goes alone; a refused read goes again with it.
    if (read?.ok) {
      [summary] = await pipelineSettled(t, [summaryOp()]);
      promotedAfterRead = true;
    } else [summary, read] = await send(requested);
  }
  if (!summary!.ok && isMissingGroup(summary!.error)) {
    await ensureGroup(t, target.stream, target.group, o.startId);
    requested = size();
    [summary, read] = await send(requested);
    promotedAfterRead = false;
  }
  let promoteError: string | undefined;
  if (!summary!.ok && shape.summary && !isMissingGroup(summary!.error)) {
    // Promotion failed (a key of ours holds the wrong type, say): the stream is still consumed, and the run reports it.
    promoteError = summary!.error;
    [summary] = await pipelineSettled(t, [xpendingSummary(target.stream, target.group)]);
  }
  if (!summary!.ok) throw new RedisReplyError(summary!.error);
  let pauseGate: "opened" | "open" | "paused" | undefined;
  if (read !== undefined && !read.ok && isMissingGroup(read.error) && !namesKey(read.error, gate)) pauseGate = await openPauseGate(t, target);
  if (pauseGate === "opened") {
    // A group from before pausing existed (or made by hand): its gate is open now; read again, once.
    requested = size();
    [summary, read] = await send(requested);
    if (!summary!.ok) throw new RedisReplyError(summary!.error);
  }
  const value = summary!.value as { count: number } | { pending: number; promoted: number };
  const pendingAtStart = "count" in value ? value.count : value.pending;
  const promoted = "promoted" in value ? value.promoted : 0;
  const base = { pendingAtStart, promoted, promotedAfterRead: promotedAfterRead && promoted > 0, ...(promoteError === undefined ? {} : { promoteError }) };
  if (pauseGate === "paused") return { ...base, entries: undefined, requested: 0, gateOpen: true, paused: true };
  if (read === undefined) return { ...base, entries: undefined, requested: 0, gateOpen: true };
  if (read.ok && shape.gatesOnly) return { ...base, entries: undefined, requested: 0, gateOpen: true };
  if (read.ok) return { ...base, entries: read.value as StreamEntry[], requested, gateOpen: true };
  if (isPausedError(read.error)) return { ...base, entries: undefined, requested: 0, gateOpen: true, paused: true };
  // The group and the pause gate exist, so a missing group here is the closed backpressure gate.
  if (isMissingGroup(read.error)) return { ...base, entries: undefined, requested: 0, gateOpen: false };
  return { ...base, entries: undefined, requested: 0, gateOpen: true, readError: read.error };
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
