/**
 * When the soonest retry a batch just parked in the PEL becomes due, so a
 * run with time left can wait for it (run-session.ts) instead of leaving it
 * to the next tick. Which failures are retried in place, and after how long,
 * is commit.ts's decision (`retryInPlaceMs`), not repeated here.
 */
import type { Outcome } from "../handle/attempt-context.js";
import { retryInPlaceMs } from "./commit.js";
import type { FunctionOptions } from "../define/options.js";

/** The shortest delay among the retries these outcomes park in the PEL; undefined when none does. */
export function soonestRetryMs(outcomes: readonly Outcome[], o: FunctionOptions): number | undefined {
  let soonest: number | undefined;
  for (const outcome of outcomes) {
    const delay = retryInPlaceMs(outcome, o);
    if (delay !== undefined) soonest = soonest === undefined ? delay : Math.min(soonest, delay);
  }
  return soonest;
}
