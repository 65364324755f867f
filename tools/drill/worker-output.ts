/**
 * wrangler's output during a drill: every line to a log file beside the
 * JSON (for investigating a finding), and a tally of what matters: cron
 * ticks fired, and the errors cron runs logged (manual runs' errors come
 * back in their reports instead, see runner.ts).
 */
import { createWriteStream } from "node:fs";

export interface WorkerOutput {
  onLine(line: string): void;
  readonly stats: { cronTicks: number; cronRunErrors: Record<string, number> };
  close(): Promise<void>;
}

export function workerOutput(path: string): WorkerOutput {
  const file = createWriteStream(path);
  const stats = { cronTicks: 0, cronRunErrors: {} as Record<string, number> };
  return {
    stats,
    onLine(raw) {
      // wrangler colours the Worker's console lines.
      const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
      file.write(`${new Date().toISOString()} ${line}\n`);
      if (/GET \/__scheduled\S* 200/.test(line)) stats.cronTicks += 1;
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
