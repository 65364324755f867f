/**
 * Measures one contender: wall time, and what reached Redis through the
 * bridge (requests and commands), which is what any peer pays.
 */
import type { BridgeStats } from "../../src/dev/bridge/server.js";

export interface Outcome {
  /** Messages fully handled and acknowledged. */
  processed: number;
  /** Runs of a cron-style contender. */
  runs?: number;
  /** What cronsumer's own run reports say it cost, for the cross-check. */
  reported?: { requests: number; commands: number };
  notes?: string[];
}

export interface Measured extends Outcome {
  ms: number;
  /** Requests and commands that reached Redis through the bridge (0 for TCP). */
  requests: number;
  commands: number;
}

export async function measure(stats: BridgeStats | undefined, run: () => Promise<Outcome>): Promise<Measured> {
  const before = stats ? { ...stats } : { requests: 0, commands: 0 };
  const started = performance.now();
  const outcome = await run();
  const ms = performance.now() - started;
  const after = stats ?? before;
  return { ...outcome, ms, requests: after.requests - before.requests, commands: after.commands - before.commands };
}

export const perSecond = (m: Pick<Measured, "processed" | "ms">): number => (m.ms > 0 ? (m.processed * 1000) / m.ms : 0);

/** Median of `samples` timings of `op`, in ms. */
export async function medianMs(samples: number, op: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await op();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}
