/**
 * A run's first request: one pipeline of `XPENDING` (the summary) and
 * `XREADGROUP … STREAMS <stream> <gate> > >`. When nothing is pending and
 * nothing is new, that is the whole run: one request, two commands.
 *
 * The gate (keys.ts `gateKey`) makes the read conditional without a third
 * command: while the group holds `maxPending` entries the run deletes the
 * gate, the read fails with NOGROUP and reads nothing, and the run spends its
 * budget on recovery instead. A read refused for any other reason (Upstash's
 * per-consumer PEL limit) also reads nothing and lets recovery go on.
 *
 * With `delays`, the summary comes from the promotion script (promote.ts),
 * which first moves due delayed messages into the stream; the read after it
 * in the same pipeline reads them. Still one request, two commands.
 */
import { xpendingSummary } from "./commands.js";
import { ensureGroup, isMissingGroup } from "./ensure-group.js";
import { RedisReplyError } from "./errors.js";
import type { Target } from "./fetch.js";
import { readOp } from "./fetch.js";
import type { Op } from "./ops.js";
import { promoteOp } from "./promote.js";
import { refusedShebang } from "./script.js";
import { pipelineSettled } from "./ops.js";
import type { StreamEntry } from "./parse-replies.js";
import type { Transport } from "./transport.js";

export interface FirstRequest {
  pendingAtStart: number;
  /** Undefined when nothing was read (no budget, the gate closed, or the read refused). */
  entries: StreamEntry[] | undefined;
  requested: number;
  gateOpen: boolean;
  /** Why the read was refused, when it was not the gate. */
  readError?: string;
  /** Delayed messages moved into the stream (`delays`). */
  promoted: number;
  /** True when they were moved after the read (the store refused the script's flag): the read did not see them. */
  promotedAfterRead: boolean;
  /** Why promotion failed; the summary then came from a plain XPENDING. */
  promoteError?: string;
}

export async function firstRequest(
  t: Transport,
  target: Target,
  o: { noAck: boolean; startId: string; delays: boolean },
  gate: string | undefined,
  size: () => number,
  now: () => number = Date.now,
): Promise<FirstRequest> {
  const summaryOp = (): Op<unknown> =>
    o.delays ? promoteOp(target.stream, target.group, now()) : xpendingSummary(target.stream, target.group);
  const send = (count: number) => {
    const ops: Op<unknown>[] = [summaryOp()];
    if (count > 0) ops.push(readOp(target, count, o.noAck, gate));
    return pipelineSettled(t, ops);
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
  if (!summary!.ok && o.delays && !isMissingGroup(summary!.error)) {
    // Promotion failed (a key of ours holds the wrong type, say): the stream is still consumed, and the run reports it.
    promoteError = summary!.error;
    [summary] = await pipelineSettled(t, [xpendingSummary(target.stream, target.group)]);
  }
  if (!summary!.ok) throw new RedisReplyError(summary!.error);
  const value = summary!.value as { count: number } | { pending: number; promoted: number };
  const pendingAtStart = "count" in value ? value.count : value.pending;
  const promoted = "promoted" in value ? value.promoted : 0;
  const base = { pendingAtStart, promoted, promotedAfterRead: promotedAfterRead && promoted > 0, ...(promoteError === undefined ? {} : { promoteError }) };
  if (read === undefined) return { ...base, entries: undefined, requested: 0, gateOpen: true };
  if (read.ok) return { ...base, entries: read.value as StreamEntry[], requested, gateOpen: true };
  // The group exists (the summary answered), so a missing group here is the closed gate.
  if (isMissingGroup(read.error)) return { ...base, entries: undefined, requested: 0, gateOpen: false };
  return { ...base, entries: undefined, requested: 0, gateOpen: true, readError: read.error };
}

