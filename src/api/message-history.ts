/**
 * A message's history as far as the stored run reports know it: each report
 * samples its run's first failed attempts (`failures`, at most 10 per run,
 * newest 50 runs), so what is listed is what those samples hold, newest first.
 */
import type { RunReport } from "../core/features/report.js";

export interface HistoryEvent {
  /** When the run started (ISO). */
  at: string;
  function: string;
  consumer: string;
  trigger: string;
  attempt: number;
  error: string;
}

export function historyOf(id: string, reports: readonly RunReport[]): HistoryEvent[] {
  return reports.flatMap((r) =>
    (r.failures ?? [])
      .filter((f) => f.id === id)
      .map((f) => ({ at: r.startedAt, function: r.function, consumer: r.consumer, trigger: r.trigger, attempt: f.attempt, error: f.error })),
  );
}
