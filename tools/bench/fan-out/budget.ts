/**
 * Every run's budget in the fan-out bench: the Paid plan's, so each run
 * drains continuously until the backlog is gone. The CPU ceiling is there
 * because the Free default (10 ms, by the estimate in src/core/define/cpu-estimate.ts)
 * ends a run at about a hundred messages and one tick would never drain 3,000.
 */
export const PAID_BUDGET = { maxMessages: 1_000_000, maxSubrequests: 10_000, maxRunMs: 600_000, maxCpuMs: 300_000 } as const;

/** The same budget as `FN_<NAME>_*` vars, for the project's Worker, whose functions are defined in src. */
export function budgetVars(prefix: string): Record<string, string> {
  return {
    [`${prefix}_MAX_MESSAGES`]: String(PAID_BUDGET.maxMessages),
    [`${prefix}_MAX_SUBREQUESTS`]: String(PAID_BUDGET.maxSubrequests),
    [`${prefix}_MAX_RUN_MS`]: String(PAID_BUDGET.maxRunMs),
    [`${prefix}_MAX_CPU_MS`]: String(PAID_BUDGET.maxCpuMs),
  };
}
