/**
 * One report for a session of runs (run-session.ts): counts and costs added
 * up, the last run's stop reason, the first error. Each run that did work
 * has stored its own report already; this is what the caller gets back.
 */
import { FAILURES_KEPT } from "../handle/attempt-errors.js";
import type { RunReport } from "../features/report.js";

const SUMMED = ["read", "reclaimed", "handled", "acked", "retried", "deadLettered", "dropped", "skippedReplays", "requests", "commands", "fetches"] as const;

export function mergeReports(reports: readonly RunReport[], durationMs: number): RunReport {
  const [first, ...rest] = reports;
  if (!first) throw new RangeError("mergeReports: no reports");
  if (rest.length === 0) return first;
  const merged: RunReport = { ...first, failures: [...first.failures], ...(first.laneReads ? { laneReads: { ...first.laneReads } } : {}) };
  for (const r of rest) {
    for (const key of SUMMED) merged[key] += r[key];
    for (const [lane, n] of Object.entries(r.laneReads ?? {})) (merged.laneReads ??= {})[lane] = (merged.laneReads[lane] ?? 0) + n;
    merged.failures.push(...r.failures);
    merged.backpressure ||= r.backpressure;
    if (r.error !== undefined) merged.error ??= r.error;
    merged.stopReason = r.stopReason;
  }
  merged.failures = merged.failures.slice(0, FAILURES_KEPT);
  merged.durationMs = durationMs;
  return merged;
}
