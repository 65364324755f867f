/**
 * The run report: what one run did and what it cost. Returned to the caller,
 * and kept in Redis (bounded, newest first) when the run did any work.
 */
import type { Failure } from "../handle/attempt-errors.js";
import type { LatencySummary } from "./latency.js";
import { lpushOp, lremOp, ltrimOp } from "../redis/list-ops.js";
import type { BacklogSource } from "./backlog-sample.js";
import { trimAndSampleCommand } from "./backlog-sample.js";
import { REPORTS_KEPT, reportsKey } from "../redis/keys.js";
import type { Command } from "../redis/transport.js";

/**
 * `paused`: the function is paused (pause.ts); the run read and claimed nothing after it saw so.
 * `rateLimit`: its rate limit (or a handler's slow-down) held further reads beyond this run's time.
 * `cpu`: the run's CPU estimate reached `maxCpuMs` (cpu-estimate.ts).
 * `leased`: an ordered function's run found another run consuming (ordered/start.ts) and did nothing.
 */
export type StopReason = "drained" | "time" | "subrequests" | "messages" | "cpu" | "paused" | "rateLimit" | "leased" | "error";

export interface RunReport {
  function: string;
  consumer: string;
  /** `enqueue`: started by an API enqueue (src/api/wake.ts). */
  trigger: "cron" | "manual" | "enqueue";
  startedAt: string;
  durationMs: number;
  /** New messages read. */
  read: number;
  /** Pending messages reclaimed from any consumer after the visibility timeout. */
  reclaimed: number;
  /** Handler attempts that finished (successfully or not). */
  handled: number;
  acked: number;
  retried: number;
  deadLettered: number;
  /** Pending entries whose payload had been trimmed or deleted: acknowledged, never handled. */
  dropped: number;
  /** Entries replayed to another group (see replay-target.ts): acknowledged, never handled. */
  skippedReplays: number;
  /** HTTP requests to Redis. */
  requests: number;
  /** Redis commands sent (what Upstash bills). */
  commands: number;
  /** Handler fetches counted against the subrequest budget. */
  fetches: number;
  stopReason: StopReason;
  /** True when new reads were paused because the group had `maxPending` entries pending. */
  backpressure: boolean;
  /** The first failed attempts of the run (at most FAILURES_KEPT), with their errors. */
  failures: Failure[];
  /** Messages put back uncharged because their key was at `keyConcurrency.max`; present when any were. */
  heldBack?: number;
  /** With lanes (lanes.ts): new messages read from each lane, by name; `read` is their total. Absent without lanes. */
  laneReads?: Record<string, number>;
  /** Enqueue-to-acknowledge latency of the run's successes (latency.ts); absent when none. */
  latencyMs?: LatencySummary;
  error?: string;
}

export function emptyReport(fn: string, consumer: string, startedAt: number, trigger: RunReport["trigger"]): RunReport {
  return {
    function: fn,
    consumer,
    trigger,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: 0,
    read: 0,
    reclaimed: 0,
    handled: 0,
    acked: 0,
    retried: 0,
    deadLettered: 0,
    dropped: 0,
    skippedReplays: 0,
    requests: 0,
    commands: 0,
    fetches: 0,
    stopReason: "drained",
    backpressure: false,
    failures: [],
  };
}

/** An idle run (nothing read, reclaimed, dropped or skipped) writes nothing: every idle tick is billed. */
export const didWork = (r: RunReport): boolean => r.read + r.reclaimed + r.dropped + r.skippedReplays > 0 || r.stopReason === "error";

/**
 * LPUSH and LTRIM of the report. Given the function's `backlog` source, the
 * trim also takes a backlog sample for the charts (backlog-sample.ts): still
 * two commands, in the same request.
 */
export function storeReportCommands(r: RunReport, backlog?: BacklogSource): Command[] {
  const trim = backlog ? trimAndSampleCommand(r.function, backlog, Date.parse(r.startedAt) + r.durationMs) : ltrimOp(reportsKey(r.function), 0, REPORTS_KEPT - 1).command;
  return [lpushOp(reportsKey(r.function), JSON.stringify(r)).command, trim];
}

/** Swaps a stored report for a corrected one (its commit turned out to fail in part). */
export function replaceReportCommands(old: RunReport, corrected: RunReport): Command[] {
  return [lremOp(reportsKey(old.function), JSON.stringify(old)).command, ...storeReportCommands(corrected).slice(0, 1), ltrimOp(reportsKey(old.function), 0, REPORTS_KEPT - 1).command];
}
