/**
 * What the CPU bench's Worker (worker.ts) runs: today's engine, and the
 * folded loop (folded.ts) through the Worker's own client. The bench Worker
 * of the engine before the CPU work gets its own copy of this file instead
 * (before.ts `BEFORE_ENGINE`): that engine's modules sat elsewhere, and it
 * has no baseline to offer.
 */
import type { Env } from "../../../src/env.js";
import { databaseTransport } from "../../../src/functions/redis.js";
import { foldedOptions, foldedRun } from "./folded.js";

export { definePollingFunction } from "../../../src/core/define/define.js";
export type { PollingFunction } from "../../../src/core/define/define.js";
export { runFunction } from "../../../src/core/run/run.js";
export { transportFromEnv } from "../../../src/functions/redis.js";

/** One run of the folded loop on the query's stream and group, with its options' `batchSize` and `maxMessages`. */
export function baselineRun(q: URLSearchParams, env: Env): (() => Promise<unknown>) | undefined {
  const options = foldedOptions((name) => q.get(name));
  return () => foldedRun(databaseTransport(env, 0), options);
}
