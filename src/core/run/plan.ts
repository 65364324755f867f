/**
 * How many messages the next batch may take without breaking the run's
 * budget. A batch is read only if it can be finished: handled in the time
 * left, and committed with the subrequests left, after its handlers' fetches,
 * within the CPU the estimate leaves (cpu-estimate.ts).
 * `Date.now()` advances only across I/O on Workers, so this is called right
 * after a request returns.
 */
import { estimateCpuUs, MESSAGE_CPU_US, REQUEST_CPU_US } from "../define/cpu-estimate.js";
import type { FunctionOptions } from "../define/options.js";
import type { StopReason } from "../features/report.js";

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
  // CPU: the requests so far, this one (it carries the fetch), the one that commits the batch, and each message with its fetches.
  const cpuLeftUs = o.maxCpuMs * 1_000 - estimateCpuUs(spent.subrequestsUsed + 2, spent.taken);
  const byCpu = Math.max(0, Math.floor(cpuLeftUs / (MESSAGE_CPU_US + o.fetchesPerMessage * REQUEST_CPU_US)));
  const candidates: [number, BatchPlan["limit"]][] = [
    [byMessages, "messages"],
    [bySubrequests, "subrequests"],
    [byTime, "time"],
    [byCpu, "cpu"],
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
