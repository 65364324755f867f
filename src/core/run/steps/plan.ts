/** The next batch's size within the run's budgets (plan.ts) and its part of a shared invocation's, less what the features keep free. */
import type { BatchPlan } from "../plan.js";
import { planBatchSize } from "../plan.js";
import type { RunState } from "../state.js";
import { requestsAfterRun, requestsPerBatch } from "../state.js";

export function planNext(s: RunState): BatchPlan {
  const share = s.seat?.allowance();
  const o = share ? { ...s.o, maxSubrequests: Math.min(s.o.maxSubrequests, share.maxSubrequests), maxCpuMs: Math.min(s.o.maxCpuMs, share.maxCpuMs) } : s.o;
  return planBatchSize(o, {
    elapsedMs: s.now() - s.startedAt,
    taken: s.report.read + s.report.reclaimed,
    subrequestsUsed: s.budget.used + requestsAfterRun(s) + requestsPerBatch(s),
  });
}
