/**
 * The physical limit, a computed row: what a perfect loop that sends exactly
 * one request per batch (commit + next fetch) could do, given the measured
 * round trip of a trivial request. It handles a batch of `b` at concurrency
 * `c` in ⌈b/c⌉ handler rounds between requests:
 *   messages/s = b / (RTT + ⌈b/c⌉ × handler time)
 * It ignores the cost of the payload itself (encoding, parsing, handling), so
 * it is reachable only where the round trip dominates.
 */
import { transportFromEnv } from "../../../src/functions/redis.js";
import { medianMs } from "../measure.js";
import { percent } from "../report.js";
import type { BenchBridge } from "../stack.js";

export const PING_SAMPLES = 50;
const WARM_UP = 10;

/** Median round trip of a PING sent as a one-command `/pipeline` request by the Worker's client through this bridge, in ms. */
export async function measureRoundTripMs(bridge: BenchBridge): Promise<number> {
  const t = transportFromEnv(bridge.env);
  for (let i = 0; i < WARM_UP; i++) await t.pipeline([["PING"]]);
  return medianMs(PING_SAMPLES, () => t.pipeline([["PING"]]));
}

export function physicalLimit(roundTripMs: number, batchSize: number, concurrency: number, handlerMs: number): number {
  return (batchSize * 1000) / (roundTripMs + Math.ceil(batchSize / concurrency) * handlerMs);
}

/** A measured rate as a share of its limit. At 0 ms the "round trip" is a fraction of a millisecond of CPU, so the model bounds nothing there. */
export const limitShare = (r: { delayMs: number | null; rate: number; limit?: number }): string =>
  r.delayMs === 0 ? "n/a at 0 ms" : percent(r.rate, r.limit ?? 0);
