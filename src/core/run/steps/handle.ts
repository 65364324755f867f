/**
 * Step 2: the batch in hand is admitted by the features (some messages may
 * be held back or put back), handled (by a feature that handles its own way,
 * or concurrently), and counted. With `maxHandlerMs` its messages' visibility
 * is extended while it runs (visibility.ts); messages lost meanwhile to
 * another run leave the batch: nothing of theirs is committed here.
 */
import { traceFailures } from "../../handle/attempt-errors.js";
import type { BatchOptions, Outcome } from "../../handle/attempt-context.js";
import { lostTo } from "../../handle/attempt-context.js";
import { handleBatch } from "../../handle/handle-batch.js";
import type { Fetched } from "../../handle/fetched.js";
import type { Held } from "../../handle/visibility.js";
import { Visibility } from "../../handle/visibility.js";
import type { RunState } from "../state.js";
import { requestsAfterRun } from "../state.js";

export async function handle(s: RunState): Promise<Outcome[]> {
  // Read before anything else is sent: the fence (visibility.ts) may only count from at or after the fetch's reply.
  const fetchedAt = s.now();
  for (const f of s.features) if (f.admit) s.fetched = await f.admit(s.t, s.fetched);
  const visibility = extension(s, fetchedAt);
  const batch = batchOptions(s, visibility);
  const own = s.features.find((f) => f.handle);
  let outcomes: Outcome[];
  try {
    outcomes = own ? await own.handle!(s.fetched, batch) : await handleBatch(s.fetched.toHandle, batch);
  } finally {
    await visibility?.close();
  }
  if (visibility) outcomes = dropLost(s, visibility, outcomes);
  for (const f of s.features) f.handled?.(outcomes);
  traceFailures(s.fn.name, outcomes, s.report);
  const committing = s.now();
  // One pass, no array built: this runs per message.
  let handled = 0;
  for (const x of outcomes) {
    if (x.ok) s.latencies.add(x.message.id, committing);
    if (x.ok || !x.notAttempted) handled += 1;
  }
  s.report.handled += handled;
  return outcomes;
}

/** Every message the batch's commit settles as this run's: handled, dead-lettered unhandled, put back, or skipped. */
const held = (f: Fetched, stream: string): Held[] => [
  ...f.toHandle,
  ...f.expired.map((e) => e.message),
  ...f.released.map((r) => ({ id: r.id, stream: r.stream ?? stream })),
  ...f.skipped,
].map(({ id, stream }) => ({ id, stream }));

function extension(s: RunState, fetchedAt: number): Visibility | undefined {
  const { maxHandlerMs } = s.o;
  if (maxHandlerMs === undefined || s.o.noAck) return undefined;
  const options = {
    transport: s.t,
    budget: s.budget,
    reservedSubrequests: 1 + requestsAfterRun(s),
    target: s.target,
    visibilityTimeoutMs: s.o.visibilityTimeoutMs,
    maxHandlerMs,
    runEndsAt: s.startedAt + s.o.maxRunMs,
  };
  return new Visibility(options, held(s.fetched, s.target.stream), fetchedAt);
}

/** Lost messages: their outcomes commit nothing, and the entries the commit would settle unhandled are left to the run that holds them. */
function dropLost(s: RunState, v: Visibility, outcomes: Outcome[]): Outcome[] {
  const f = s.fetched;
  const kept = (id: string, stream = s.target.stream) => !v.lost({ id, stream });
  s.fetched = {
    ...f,
    expired: f.expired.filter((e) => kept(e.message.id, e.message.stream)),
    released: f.released.filter((r) => kept(r.id, r.stream)),
    skipped: f.skipped.filter((r) => kept(r.id, r.stream)),
    replayOf: f.replayOf.filter((r) => r.entry === undefined || kept(r.entry, r.stream)),
  };
  let lost = 0;
  const result = outcomes.map((o) => {
    if (kept(o.message.id, o.message.stream)) return o;
    lost += 1;
    return o.ok === false && o.lost ? o : lostTo(o.message, v.lostBecause(o.message)!);
  });
  if (lost > 0) s.report.error ??= `visibility: ${lost} message(s) of a batch were lost to another run while being handled; nothing of theirs was committed by this run`;
  return result;
}

function batchOptions(s: RunState, visibility: Visibility | undefined): BatchOptions {
  const routed = s.effectStreams;
  return {
    slowDown: (ms: number) => {
      for (const f of s.features) f.slowDown?.(ms);
    },
    concurrency: s.o.concurrency,
    handlerTimeoutMs: s.o.handlerTimeoutMs,
    budget: s.budget,
    reservedSubrequests: 1 + requestsAfterRun(s),
    env: s.deps.vars,
    fetch: s.deps.fetch ?? fetch,
    transport: s.t,
    maxDeliveries: s.o.maxDeliveries,
    fn: s.fn,
    ...(routed ? { effectStreams: routed } : {}),
    ...(visibility ? { visibility } : {}),
  };
}
