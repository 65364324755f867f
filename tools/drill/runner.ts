/**
 * Manual runs beside the cron ticks: `POST /functions/payments/run` from a
 * few lanes, back to back, so runs overlap each other and the cron's. Their
 * reports are tallied; the errors they carry (a failed commit, an XACK that
 * settled fewer ids than sent) are kept, since that is how a duplicate shows.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { RunReport } from "../../src/core/features/report.js";

export interface RunnerOptions {
  apiUrl: string;
  token: string;
  fn: string;
  /** @default 2 */
  lanes?: number;
  /** Pause between one lane's runs. @default 200 */
  everyMs?: number;
}

export interface RunnerStats {
  runs: number;
  /** No report: the Worker was down or killed, or answered an error. */
  failed: number;
  stopReasons: Record<string, number>;
  totals: { read: number; reclaimed: number; acked: number; retried: number; deadLettered: number; dropped: number };
  /** Distinct report errors (first 120 characters), with how often each came. */
  errors: Record<string, number>;
}

export interface Runner {
  readonly inFlight: number;
  readonly stats: RunnerStats;
  stop(): Promise<void>;
}

export const emptyRunnerStats = (): RunnerStats => ({ runs: 0, failed: 0, stopReasons: {}, totals: { read: 0, reclaimed: 0, acked: 0, retried: 0, deadLettered: 0, dropped: 0 }, errors: {} });

/** One `POST /functions/:fn/run`, its report tallied into `stats` (or counted as failed). */
export async function manualRun(o: Pick<RunnerOptions, "apiUrl" | "token" | "fn">, stats: RunnerStats): Promise<void> {
  try {
    const response = await fetch(`${o.apiUrl}/functions/${o.fn}/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${o.token}` },
      signal: AbortSignal.timeout(60_000),
    });
    const report = (await response.json()) as Partial<RunReport>;
    if (!response.ok || report.stopReason === undefined) throw new Error(`HTTP ${response.status}`);
    stats.stopReasons[report.stopReason] = (stats.stopReasons[report.stopReason] ?? 0) + 1;
    for (const k of Object.keys(stats.totals) as (keyof RunnerStats["totals"])[]) stats.totals[k] += report[k] ?? 0;
    if (report.error) {
      const key = report.error.slice(0, 120);
      stats.errors[key] = (stats.errors[key] ?? 0) + 1;
    }
  } catch {
    stats.failed += 1;
  }
}

export function startRunner(o: RunnerOptions, stats: RunnerStats = emptyRunnerStats()): Runner {
  const { lanes = 2, everyMs = 200 } = o;
  let inFlight = 0;
  let stopped = false;

  async function once(): Promise<void> {
    stats.runs += 1;
    inFlight += 1;
    try {
      await manualRun(o, stats);
    } finally {
      inFlight -= 1;
    }
  }

  const loops = Array.from({ length: lanes }, async () => {
    while (!stopped) {
      await once();
      await sleep(everyMs);
    }
  });
  return {
    get inFlight() {
      return inFlight;
    },
    stats,
    async stop() {
      // Runs in flight finish: cutting them is the killer's job.
      stopped = true;
      await Promise.all(loops);
    },
  };
}
