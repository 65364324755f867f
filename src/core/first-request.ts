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
 */
import { xpendingSummary } from "./commands.js";
import { ensureGroup, isMissingGroup } from "./ensure-group.js";
import { RedisReplyError } from "./errors.js";
import type { Target } from "./fetch.js";
import { readOp } from "./fetch.js";
import type { Op } from "./ops.js";
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
}

export async function firstRequest(
  t: Transport,
  target: Target,
  o: { noAck: boolean; startId: string },
  gate: string | undefined,
  size: () => number,
): Promise<FirstRequest> {
  const send = (count: number) => {
    const ops: Op<unknown>[] = [xpendingSummary(target.stream, target.group)];
    if (count > 0) ops.push(readOp(target, count, o.noAck, gate));
    return pipelineSettled(t, ops);
  };
  let requested = size();
  let [summary, read] = await send(requested);
  if (!summary!.ok && isMissingGroup(summary!.error)) {
    await ensureGroup(t, target.stream, target.group, o.startId);
    requested = size();
    [summary, read] = await send(requested);
  }
  if (!summary!.ok) throw new RedisReplyError(summary!.error);
  const pendingAtStart = (summary!.value as { count: number }).count;
  if (read === undefined) return { pendingAtStart, entries: undefined, requested: 0, gateOpen: true };
  if (read.ok) return { pendingAtStart, entries: read.value as StreamEntry[], requested, gateOpen: true };
  // The group exists (the summary answered), so a missing group here is the closed gate.
  if (isMissingGroup(read.error)) return { pendingAtStart, entries: undefined, requested: 0, gateOpen: false };
  return { pendingAtStart, entries: undefined, requested: 0, gateOpen: true, readError: read.error };
}

