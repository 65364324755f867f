/**
 * A session: one invocation's budget spent on as many runs of a function as
 * are worth making, back to back or after a wait. A run ends once it drains;
 * the session then sleeps (wall clock, no CPU) until the next moment worth a
 * read, and runs again with what the earlier runs left of `maxRunMs` and
 * `maxSubrequests`:
 * - a retry it parked is due (retries on time instead of at the next tick);
 * - the wake lease that started it has ended (`quietAt`, see src/api/wake.ts):
 *   one last read catches what was enqueued while the lease stopped other
 *   enqueues from starting a run;
 * - `pollIntervalMs` has passed, when the caller asks for polling.
 * A wake is kept only if a batch could still be read then. A run that
 * stops for its budget or an error ends the session; on a budget, the
 * caller may hand the rest to a fresh invocation (functions/hand-over.ts),
 * else the next tick goes on.
 */
import { resolveOptions } from "../define/define.js";
import { homeTransport } from "../partitions/routed-transport.js";
import type { PollingFunction } from "../define/define.js";
import type { FunctionOptions } from "../define/options.js";
import type { RunReport } from "../features/report.js";
import type { RunDeps } from "./run.js";
import { runFunction } from "./run.js";
import { mergeReports } from "./merge-reports.js";
import { nextWake } from "./next-wake.js";
import { withLimits } from "../define/run-limits.js";
import { estimateCpuUs } from "../define/cpu-estimate.js";

export interface SessionOptions {
  /** Read once more at or after this time (on `deps.now`'s clock), even when drained. */
  quietAt?: number;
  /** Poll every `pollIntervalMs` (the function's option) while the budget allows. @default false */
  poll?: boolean;
  /** Subrequests the invocation spent before the session (an enqueue's own requests). @default 0 */
  reservedSubrequests?: number;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/** Wakes for a retry that a run then did not find due (clocks differ by a few ms) are tried again this often. */
const RECHECKS = 3;
const RECHECK_MS = 20;

export async function runSession(fn: PollingFunction, given: RunDeps, session: SessionOptions = {}): Promise<RunReport> {
  // Requests naming no partition's key go to this function's own database (routed-transport.ts).
  const deps = { ...given, transport: homeTransport(given.transport, fn) };
  const now = deps.now ?? Date.now;
  const sleep = session.sleep ?? defaultSleep;
  const startedAt = now();
  let o: FunctionOptions;
  try {
    o = withLimits(resolveOptions(fn, deps.vars, deps.sharers ?? 1), deps.limits);
  } catch {
    return runFunction(fn, deps); // It reports the bad option, as a run on its own would.
  }
  const reports: RunReport[] = [];
  let used = session.reservedSubrequests ?? 0;
  // Workers bill CPU per invocation: every run of the session spends the one budget.
  let cpuUsedUs = 0;
  let retryAt: number | undefined;
  let rechecks = 0;
  let quietAt = session.quietAt;
  const onRetryParked = (delayMs: number) => {
    const at = now() + delayMs;
    retryAt = retryAt === undefined ? at : Math.min(retryAt, at);
  };
  for (;;) {
    const began = now();
    const wokeForRetry = retryAt !== undefined && began >= retryAt;
    if (wokeForRetry) retryAt = undefined;
    // Every read of this run comes after the lease ended: nothing enqueued under it can be missed.
    if (quietAt !== undefined && began >= quietAt) quietAt = undefined;
    const report = await runFunction(fn, {
      ...deps,
      now,
      limits: { maxRunMs: o.maxRunMs - (began - startedAt), maxSubrequests: o.maxSubrequests - used, maxCpuMs: o.maxCpuMs - cpuUsedUs / 1_000 },
      onRetryParked,
    });
    reports.push(report);
    used += report.requests + report.fetches;
    cpuUsedUs += estimateCpuUs(report.requests + report.fetches, report.read + report.reclaimed);
    if (report.stopReason !== "drained") break;
    if (wokeForRetry && report.reclaimed === 0 && retryAt === undefined && rechecks < RECHECKS) {
      rechecks += 1;
      retryAt = now() + RECHECK_MS;
    }
    const wake = nextWake({
      now: now(),
      startedAt,
      used,
      options: o,
      retryAt,
      quietAt,
      pollAt: session.poll && o.pollIntervalMs > 0 ? Math.max(began + o.pollIntervalMs, now()) : undefined,
    });
    if (wake === undefined) break;
    await sleep(Math.max(0, wake - now()));
  }
  return mergeReports(reports, now() - startedAt);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
