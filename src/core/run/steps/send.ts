/**
 * Step 5: one MULTI/EXEC that commits the batch, carries the features'
 * commands, fetches the next batch, and on the last request stores the
 * run's report (counted as if the commit succeeds; replaced when it did
 * not). Its replies are checked (verify-commit.ts) and handed back: the
 * fetch's to the next step, each feature's to the feature.
 */
import type { FetchKind } from "../../features/feature.js";
import type { Outcome } from "../../handle/attempt-context.js";
import type { RunReport } from "../../features/report.js";
import { didWork, replaceReportCommands, storeReportCommands } from "../../features/report.js";
import { RedisReplyError } from "../../redis/errors.js";
import type { Settled } from "../../redis/ops.js";
import { rawOp, transactionSettled } from "../../redis/ops.js";
import type { Commit } from "../commit.js";
import { soonestRetryMs } from "../retry-due.js";
import { tally } from "../send-commit.js";
import type { RunState } from "../state.js";
import { costs } from "../state.js";
import { verifyCommit } from "../verify-commit.js";
import type { NextFetch } from "./next-fetch.js";
import { joinRides } from "./rides.js";

/** The fetch's replies; undefined when the run is over (the last request, or a fetch a feature stopped on). */
export async function send(s: RunState, commit: Commit, outcomes: readonly Outcome[], next: NextFetch): Promise<unknown[] | undefined> {
  let kind = next.kind;
  if (kind === "wait" && (commit.commands.length === 0 || next.waitMs === 0)) {
    // Nothing to commit first: wait here, then let the features prepare (a rate limit reserves).
    if (next.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, next.waitMs));
    kind = "waited";
  }
  const ride = joinRides(s.features.map((f) => f.ride?.(kind)));
  const commitOps = commit.commands.map(rawOp);
  const ops = [...commitOps, ...ride.ops, ...next.ops];
  const report = kind === "last" ? finalReport(s, commit, ops.length) : undefined;
  if (report) ops.push(...storeReportCommands(report, s.target).map(rawOp));
  if (ops.length === 0) return undefined;
  const results = await transactionSettled(s.t, ops);
  const parked = s.deps.onRetryParked && soonestRetryMs(outcomes, s.o);
  if (parked !== undefined && parked !== 0) s.deps.onRetryParked!(parked);
  Object.assign(s.report, tally(s.report, commit));
  if (report) s.report.stopReason = report.stopReason;
  const problems = await verifyCommit(s.t, commit, results.slice(0, commitOps.length), s.report);
  if (report) await keepReport(s, report, problems.found);
  if (kind === "last") return undefined;
  ride.replies?.(results.slice(commitOps.length, commitOps.length + ride.ops.length));
  return fetchReplies(s, kind, results.slice(commitOps.length + ride.ops.length, commitOps.length + ride.ops.length + next.ops.length));
}

/** The report the last request stores, unless a feature stores it after the loop (retention). */
function finalReport(s: RunState, commit: Commit, commands: number): RunReport | undefined {
  if (s.features.some((f) => f.finish) || !didWork(s.report)) return undefined;
  const cost = costs(s, 1, commands + 2);
  return { ...cost, ...tally(cost, commit), stopReason: s.stopReason ?? "drained" };
}

async function keepReport(s: RunState, report: RunReport, wrong: boolean): Promise<void> {
  s.stored = report;
  if (!wrong) return;
  // The stored report predates its own commit's outcome: replace it with the truth.
  const corrected = costs(s, 1, 3);
  await s.t.pipeline(replaceReportCommands(report, corrected)).then(
    () => void (s.stored = corrected),
    () => undefined,
  );
}

function fetchReplies(s: RunState, kind: FetchKind, got: Settled<unknown>[]): unknown[] | undefined {
  const bad = got.find((x) => !x.ok);
  if (bad && !bad.ok) {
    const reason = s.features.map((f) => f.refused?.(kind, bad.error)).find((x) => x !== undefined);
    if (reason === undefined) throw new RedisReplyError(bad.error);
    s.stop(reason);
    return undefined;
  }
  return got.map((x) => (x as { value: unknown }).value);
}
