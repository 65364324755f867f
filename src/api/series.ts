/**
 * The dashboard's charts, computed from what Redis already holds: stored run
 * reports (throughput, cost, latency; the newest `REPORTS_KEPT`) bucketed per
 * minute, and backlog samples (samples.ts). Pure, so the numbers can be
 * checked against Redis by recomputing them.
 */
import type { RunReport } from "../core/features/report.js";

export interface Minute {
  /** Start of the minute, unix ms. */
  t: number;
  runs: number;
  acked: number;
  retried: number;
  deadLettered: number;
  /** Redis commands of the runs that did work (idle ticks store no report; each costs at most 2). */
  commands: number;
  /** The highest of the minute's runs' percentiles (a run keeps only its own), ms; null when nothing was acknowledged. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface Sample {
  /** Unix ms. */
  t: number;
  /** Entries delivered to the group, not acknowledged. */
  pending: number;
  /** Entries not delivered yet (null when Redis cannot tell). */
  lag: number | null;
  /** XLEN of the stream. */
  length: number;
}

const MINUTE = 60_000;
const top = (a: number | null, b: number | undefined) => (b === undefined ? a : a === null ? b : Math.max(a, b));

/** Per-minute totals of the reports, oldest first; minutes without a stored report are left out. */
export function perMinute(reports: readonly RunReport[]): Minute[] {
  const buckets = new Map<number, Minute>();
  for (const r of reports) {
    const started = Date.parse(r.startedAt);
    if (!Number.isFinite(started)) continue;
    const t = Math.floor(started / MINUTE) * MINUTE;
    const m = buckets.get(t) ?? { t, runs: 0, acked: 0, retried: 0, deadLettered: 0, commands: 0, p50: null, p95: null, p99: null };
    m.runs += 1;
    m.acked += r.acked ?? 0;
    m.retried += r.retried ?? 0;
    m.deadLettered += r.deadLettered ?? 0;
    m.commands += r.commands ?? 0;
    m.p50 = top(m.p50, r.latencyMs?.p50);
    m.p95 = top(m.p95, r.latencyMs?.p95);
    m.p99 = top(m.p99, r.latencyMs?.p99);
    buckets.set(t, m);
  }
  return [...buckets.values()].sort((a, b) => a.t - b.t);
}

/** A stored sample, or null for anything else (a list another writer polluted must not break the page). */
export function parseSample(raw: unknown): Sample | null {
  try {
    const s = JSON.parse(String(raw)) as Partial<Sample>;
    if (typeof s.t !== "number" || typeof s.pending !== "number" || typeof s.length !== "number") return null;
    return { t: s.t, pending: s.pending, lag: typeof s.lag === "number" ? s.lag : null, length: s.length };
  } catch {
    return null;
  }
}

/** Backlog as the charts and warnings count it: what is not acknowledged yet. */
export const backlogOf = (s: Sample): number => s.pending + (s.lag ?? 0);
