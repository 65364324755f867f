/** The next batch's size within the run's budgets (plan.ts) and its part of a shared invocation's, less what the features keep free. */
import type { BatchPlan } from "../plan.js";
import { planBatchSize } from "../plan.js";
import type { RunState } from "../state.js";
import { requestsAfterRun, requestsPerBatch } from "../state.js";

/** `reads`: the request this plan is for reads the batch (a first request may only check gates). */
export function planNext(s: RunState, reads = true): BatchPlan {
  const share = s.seat?.allowance();
  const o = share ? { ...s.o, maxSubrequests: Math.min(s.o.maxSubrequests, share.maxSubrequests), maxCpuMs: Math.min(s.o.maxCpuMs, share.maxCpuMs) } : s.o;
  const plan = planBatchSize(o, spentBy(s));
  if (reads && plan.size > 0) s.seat?.planned();
  return plan;
}

/** True when the run's own budgets allow a batch that its part of the shared invocation's does not. */
export const refusedByShare = (s: RunState): boolean => s.seat !== undefined && planBatchSize(s.o, spentBy(s)).size > 0 && planNext(s, false).size === 0;

const spentBy = (s: RunState) => ({
  elapsedMs: s.now() - s.startedAt,
  taken: s.report.read + s.report.reclaimed,
  subrequestsUsed: s.budget.used + requestsAfterRun(s) + requestsPerBatch(s),
});
