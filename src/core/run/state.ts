/**
 * What a run knows as it goes, passed from step to step (run.ts): the
 * parts fixed at its start, and the few facts that change with each
 * request. Everything a feature keeps lives in the feature's own module.
 */
import type { PollingFunction } from "../define/define.js";
import type { Feature, RunScope } from "../features/feature.js";
import type { Latencies } from "../features/latency.js";
import type { RunReport, StopReason } from "../features/report.js";
import type { SubrequestBudget } from "../handle/budget.js";
import type { Fetched } from "../handle/fetched.js";
import type { EffectStreams } from "../define/effects.js";
import type { Counted } from "../redis/counting-transport.js";
import type { RunDeps } from "./deps.js";
import type { LanePlan } from "./lane-plan.js";
import type { Seat } from "./share.js";

export interface RunState extends RunScope {
  readonly fn: PollingFunction;
  readonly deps: RunDeps;
  readonly t: Counted;
  readonly budget: SubrequestBudget;
  readonly features: readonly Feature[];
  /** Where effects onto a partitioned stream of the deployment go (effect-streams.ts). */
  readonly effectStreams: EffectStreams | undefined;
  /** Handled messages' enqueue-to-acknowledge times. */
  readonly latencies: Latencies;
  /** Why the run ends after the request in flight; unset while it goes on. */
  stopReason: StopReason | undefined;
  /** The batch in hand. */
  fetched: Fetched;
  /** Something was pending at the start: idle entries are claimed before anything new is read. */
  recovering: boolean;
  /** The streams it reads (its lanes, or its stream alone), their recovery cursors and last reads (lane-plan.ts). */
  readonly lanes: LanePlan;
  /** The last read found fewer than it asked for: nothing new is left to read. */
  lastReadShort: boolean;
  /** Its part of the invocation's budgets, when they are shared by need (share.ts). */
  readonly seat: Seat | undefined;
  /** The report as stored, once it is: the caller gets exactly that. */
  stored: RunReport | undefined;
}

/** The report as it stands, with this run's costs so far plus what a request about to be sent adds. */
export function costs(s: RunState, requests: number, commands: number): RunReport {
  return {
    ...s.report,
    ...latencyField(s.latencies),
    requests: s.t.requests + requests,
    commands: s.t.commands + commands,
    fetches: s.budget.fetches,
    durationMs: s.now() - s.startedAt,
  };
}

/** Present only when the run acknowledged something, so idle and failing runs' reports stay as they were. */
function latencyField(latencies: Latencies): Pick<RunReport, "latencyMs"> {
  const latencyMs = latencies.summary();
  return latencyMs ? { latencyMs } : {};
}

/** Subrequests the features keep free: after the loop, and per batch. */
export const requestsAfterRun = (s: Pick<RunState, "features">): number => s.features.reduce((n, f) => n + (f.requestsAfterRun ?? 0), 0);
export const requestsPerBatch = (s: Pick<RunState, "features">): number => s.features.reduce((n, f) => n + (f.requestsPerBatch ?? 0), 0);
