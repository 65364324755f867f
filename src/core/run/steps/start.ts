/**
 * Step 1: the first request. It learns what is pending and reads the first
 * batch (first-request.ts), shaped by the features, unless one takes the
 * request over (ordered's lease). It may end the run at once: another run
 * holds the function, or it is paused. Either way that is an idle-sized
 * run, and nothing is stored.
 */
import type { FirstShape } from "../../features/feature.js";
import type { RunReport } from "../../features/report.js";
import { emptyFetch } from "../../handle/fetched.js";
import { firstRequest } from "../first-request.js";
import { startRecovery, takeReads } from "../lane-plan.js";
import type { RunState } from "../state.js";
import { costs } from "../state.js";
import { countRead } from "./count-read.js";
import { planNext } from "./plan.js";
import { joinRides } from "./rides.js";

/** Undefined when the run goes on; the report to return when it ends here. */
export async function start(s: RunState): Promise<RunReport | undefined> {
  const takeover = s.features.find((f) => f.start);
  const shape = firstShape(s);
  const size = () => {
    const p = planNext(s, !shape.gatesOnly);
    if (p.size === 0) s.stop(p.limit);
    return p.size;
  };
  const first = takeover ? await takeover.start!(s.t, size, shape) : await firstRequest(s.t, s.target, s.o, shape, size, s.lanes);
  if (!first) return { ...costs(s, 0, 0), stopReason: "leased" };
  if (first.paused) return { ...costs(s, 0, 0), stopReason: "paused" };
  if (first.readError) s.report.error = `read refused: ${first.readError}`;
  if (first.promoteError) s.report.error ??= `delayed messages not promoted: ${first.promoteError}`;
  // A takeover (ordered's lease) reads the one stream.
  s.lanes.asked = first.asked ?? [first.requested];
  const reads = first.entries && first.requested > 0 ? takeReads(s.target, s.lanes, first.entries) : undefined;
  if (reads?.full) s.deps.onBacklog?.();
  s.fetched = reads?.fetched ?? emptyFetch();
  if (reads) countRead(s.report, reads, s.lanes.names);
  s.recovering = !s.o.noAck && startRecovery(s.lanes, first.pending, first.pendingAtStart);
  // Messages promoted after the first read was sent are read next, even when that read came back short.
  s.lastReadShort = first.entries !== undefined && (reads?.short ?? false) && !first.promotedAfterRead;
  for (const f of s.features) f.started?.(first, s.fetched);
  return undefined;
}

/** The features' changes to the first request, merged. */
function firstShape(s: RunState): FirstShape {
  const shapes = s.features.map((f) => f.first?.()).filter((x): x is FirstShape => x !== undefined);
  const summary = shapes.find((x) => x.summary)?.summary;
  const gate = shapes.find((x) => x.gate)?.gate;
  return {
    ...(gate ? { gate } : {}),
    gatesOnly: shapes.some((x) => x.gatesOnly),
    ...(summary ? { summary } : {}),
    ride: joinRides(shapes.map((x) => x.ride)),
  };
}
