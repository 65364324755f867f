/**
 * Step 2: the batch in hand is admitted by the features (some messages may
 * be held back or put back), handled (by a feature that handles its own way,
 * or concurrently), and counted.
 */
import { traceFailures } from "../../handle/attempt-errors.js";
import type { BatchOptions, Outcome } from "../../handle/attempt-context.js";
import { handleBatch } from "../../handle/handle-batch.js";
import { sinceEnqueue } from "../../features/latency.js";
import type { RunState } from "../state.js";
import { requestsAfterRun } from "../state.js";

export async function handle(s: RunState): Promise<Outcome[]> {
  for (const f of s.features) if (f.admit) s.fetched = await f.admit(s.t, s.fetched);
  const batch = batchOptions(s);
  const own = s.features.find((f) => f.handle);
  const outcomes = own ? await own.handle!(s.fetched, batch) : await handleBatch(s.fetched.toHandle, batch);
  for (const f of s.features) f.handled?.(outcomes);
  s.report.handled += outcomes.filter((x) => x.ok || !x.notAttempted).length;
  traceFailures(s.fn.name, outcomes, s.report);
  const committing = s.now();
  for (const x of outcomes) if (x.ok) s.latencies.push(sinceEnqueue(x.message.id, committing));
  return outcomes;
}

function batchOptions(s: RunState): BatchOptions {
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
  };
}
