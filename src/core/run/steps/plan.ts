/** The next batch's size within the run's budgets (plan.ts), less what the features keep free. */
import type { BatchPlan } from "../plan.js";
import { planBatchSize } from "../plan.js";
import type { RunState } from "../state.js";
import { requestsAfterRun, requestsPerBatch } from "../state.js";

export function planNext(s: RunState): BatchPlan {
  return planBatchSize(s.o, {
    elapsedMs: s.now() - s.startedAt,
    taken: s.report.read + s.report.reclaimed,
    subrequestsUsed: s.budget.used + requestsAfterRun(s) + requestsPerBatch(s),
  });
}
