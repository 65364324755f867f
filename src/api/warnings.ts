/**
 * What an operator must act on, from the data the dashboard already reads:
 * a stale consumer holding messages, a function whose runs fail, a backlog
 * that kept growing for longer than `growingMs`. (A paused function is
 * flagged by the page from `GET /functions`.) Pure: each rule is a table test.
 */
import type { RunReport } from "../core/features/report.js";
import type { Sample } from "./series.js";
import { backlogOf } from "./series.js";

export interface Warning {
  kind: "stale_consumer" | "runs_failing" | "backlog_growing";
  message: string;
}

export interface WarningInput {
  consumers: readonly { name: string; pending: number; idleMs: number }[];
  staleAfterMs: number;
  /** Newest first, as stored. */
  reports: readonly RunReport[];
  /** Newest first, as stored. */
  samples: readonly Sample[];
  growingMs: number;
}

/** Runs looked at for failures: the newest few, so one old failure does not warn forever. */
const RECENT = 3;

export function warnings(i: WarningInput): Warning[] {
  const out: Warning[] = [];
  for (const c of i.consumers) {
    if (c.pending > 0 && c.idleMs > i.staleAfterMs) {
      out.push({ kind: "stale_consumer", message: `consumer ${c.name} holds ${c.pending} pending and has been idle ${Math.round(c.idleMs / 1000)} s` });
    }
  }
  const failed = i.reports.slice(0, RECENT).filter((r) => r.stopReason === "error");
  if (i.reports[0]?.stopReason === "error") {
    out.push({ kind: "runs_failing", message: `${failed.length} of the last ${Math.min(RECENT, i.reports.length)} runs failed; newest: ${i.reports[0].error ?? "error"}` });
  }
  const growing = growingFor(i.samples);
  if (growing !== undefined && growing.ms >= i.growingMs) {
    out.push({ kind: "backlog_growing", message: `backlog grew from ${growing.from} to ${growing.to} over ${Math.round(growing.ms / 60_000)} min` });
  }
  return out;
}

/** The newest stretch of samples in which backlog never fell, if it rose over it. */
export function growingFor(samples: readonly Sample[]): { ms: number; from: number; to: number } | undefined {
  if (samples.length < 2) return undefined;
  let oldest = 0;
  while (oldest + 1 < samples.length && backlogOf(samples[oldest + 1]!) <= backlogOf(samples[oldest]!)) oldest += 1;
  const from = backlogOf(samples[oldest]!);
  const to = backlogOf(samples[0]!);
  return to > from ? { ms: samples[0]!.t - samples[oldest]!.t, from, to } : undefined;
}
