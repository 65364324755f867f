/**
 * The features of a run, in the order their hooks are called. Order matters
 * only where two features bound the same fetch: the rate limit comes last,
 * so it takes tokens only for a fetch nothing else stops.
 */
import type { Feature, RunScope } from "./feature.js";
import { backpressure } from "./run/backpressure.js";
import { delays } from "./run/delays.js";
import { keyConcurrency } from "./run/key-concurrency.js";
import { ordered } from "./run/ordered.js";
import { pauseStop } from "./run/pause-stop.js";
import { rate } from "./run/rate.js";
import { retention } from "./run/retention.js";
import { slowDown } from "./run/slow-down.js";
import { visibility } from "./run/visibility.js";

export type { Feature, FetchKind, FirstRequest, FirstShape, Ride, RunScope, Verdict } from "./feature.js";

export function featuresOf(s: RunScope): Feature[] {
  const all = [pauseStop(s), backpressure(s), delays(s), ordered(s), keyConcurrency(s, s.o.keyConcurrency), slowDown(s), visibility(s), rate(s, s.o.rateLimit), retention(s)];
  return all.filter((f): f is Feature => f !== undefined);
}
