/**
 * A run inside a longer budget: a session of several runs (run-session.ts)
 * shares one invocation's wall clock, subrequests and CPU, so each run gets what
 * the earlier ones left. Caps only ever lower an option; a run whose caps
 * leave no room for a batch reads nothing (plan.ts) and stops.
 */
import type { FunctionOptions } from "./options.js";

export interface RunLimits {
  maxRunMs?: number;
  maxSubrequests?: number;
  maxCpuMs?: number;
}

export function withLimits(o: FunctionOptions, limits: RunLimits | undefined): FunctionOptions {
  if (!limits) return o;
  return {
    ...o,
    maxRunMs: Math.min(o.maxRunMs, limits.maxRunMs ?? Infinity),
    maxSubrequests: Math.min(o.maxSubrequests, limits.maxSubrequests ?? Infinity),
    maxCpuMs: Math.min(o.maxCpuMs, limits.maxCpuMs ?? Infinity),
  };
}
