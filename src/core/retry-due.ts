/**
 * When the soonest retry a batch just parked becomes due, so a run with time
 * left can wait for it (run-session.ts) instead of leaving it to the next
 * tick. It mirrors commit.ts's choice: a failure is retried, not
 * dead-lettered, when it was attempted, is not permanent, and has deliveries
 * left; its delay is the handler's own (`RetryError`) or the backoff's.
 */
import type { Outcome } from "./attempt-context.js";
import { retryDelayMs } from "./backoff.js";
import type { FunctionOptions } from "./options.js";

/** The shortest delay among the retries these outcomes park; undefined when none does. */
export function soonestRetryMs(outcomes: readonly Outcome[], o: FunctionOptions): number | undefined {
  let soonest: number | undefined;
  for (const outcome of outcomes) {
    if (outcome.ok || outcome.notAttempted || outcome.permanent || o.noAck) continue;
    if (outcome.message.attempt >= o.maxDeliveries) continue;
    const delay = Math.min(outcome.delayMs ?? retryDelayMs(o.backoff, outcome.message.attempt), o.visibilityTimeoutMs);
    soonest = soonest === undefined ? delay : Math.min(soonest, delay);
  }
  return soonest;
}
