/**
 * How many messages the next batch may take without breaking the run's
 * budget. A batch is read only if it can be finished: handled in the time
 * left, and committed with the subrequests left, after its handlers' fetches.
 * `Date.now()` advances only across I/O on Workers, so this is called right
 * after a request returns.
 */
import type { FunctionOptions } from "./options.js";
import type { StopReason } from "./report.js";

export interface Spent {
  elapsedMs: number;
  /** Messages already read or reclaimed in this run. */
  taken: number;
  /** Subrequests used so far, plus any reserved for work after the loop. */
  subrequestsUsed: number;
}

export interface BatchPlan {
  size: number;
  /** The budget that bounds `size`; the stop reason when `size` is 0. */
  limit: Exclude<StopReason, "drained" | "paused" | "rateLimit" | "error">;
}

export function planBatchSize(o: FunctionOptions, spent: Spent): BatchPlan {
  const byMessages = o.maxMessages - spent.taken;
  // This request carries the fetch; one more must commit the batch.
  const spare = o.maxSubrequests - spent.subrequestsUsed - 2;
  const bySubrequests = spare < 0 ? 0 : o.fetchesPerMessage > 0 ? Math.floor(spare / o.fetchesPerMessage) : Infinity;
  const rounds = Math.floor((o.maxRunMs - spent.elapsedMs) / o.handlerTimeoutMs);
  const byTime = Math.max(0, rounds) * o.concurrency;
  const candidates: [number, BatchPlan["limit"]][] = [
    [byMessages, "messages"],
    [bySubrequests, "subrequests"],
    [byTime, "time"],
  ];
  let size = o.batchSize;
  let limit: BatchPlan["limit"] = "messages";
  for (const [bound, reason] of candidates) {
    if (bound < size) {
      size = Math.max(0, bound);
      limit = reason;
    }
  }
  return { size, limit };
}
