/**
 * wrangler's output during a drill: every line to a log file beside the
 * JSON (for investigating a finding), and a tally of what matters: cron
 * ticks fired, and the errors cron runs logged (manual runs' errors come
 * back in their reports instead, see runner.ts), and every attempt the
 * payments handler logged (`PAYMENTS_LOG_ATTEMPTS=1`): the deliveries a
 * handler really saw, by message id.
 */
import { createWriteStream } from "node:fs";
import { ATTEMPT_LOG } from "../../src/functions/payments.js";

const attemptLine = new RegExp(`${ATTEMPT_LOG} (\\d+) of (\\S+)`);

export interface WorkerOutput {
  onLine(line: string): void;
  readonly stats: { cronTicks: number; cronRunErrors: Record<string, number> };
  /** Message id → the attempt numbers its handler saw. */
  readonly attempts: ReadonlyMap<string, readonly number[]>;
  /** When each cron tick was answered (unix ms): a run started then. */
  readonly tickTimes: readonly number[];
  close(): Promise<void>;
}

export function workerOutput(path: string): WorkerOutput {
  const file = createWriteStream(path);
  const stats = { cronTicks: 0, cronRunErrors: {} as Record<string, number> };
  const attempts = new Map<string, number[]>();
  const tickTimes: number[] = [];
  return {
    stats,
    attempts,
    tickTimes,
    onLine(raw) {
      // wrangler colours the Worker's console lines.
      const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
      file.write(`${new Date().toISOString()} ${line}\n`);
      const attempt = attemptLine.exec(line);
      if (attempt) {
        const seen = attempts.get(attempt[2]!) ?? [];
        seen.push(Number(attempt[1]));
        attempts.set(attempt[2]!, seen);
        return;
      }
      if (/GET \/__scheduled\S* 200/.test(line)) {
        stats.cronTicks += 1;
        tickTimes.push(Date.now());
      }
      // scheduled.ts: "cronsumer: <fn> run failed: <error>"
      const failed = /cronsumer: \S+ run failed: (.*)$/.exec(line);
      if (failed) {
        const key = failed[1]!.slice(0, 120);
        stats.cronRunErrors[key] = (stats.cronRunErrors[key] ?? 0) + 1;
      }
    },
    close: () => new Promise<void>((resolve) => file.end(() => resolve())),
  };
}
