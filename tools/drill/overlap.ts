/**
 * The drill's overlap mode: runs fired at a steady rate without waiting for
 * any of them to finish, alternating a cron tick (`GET /__scheduled`) and a
 * manual run (`POST /functions/:fn/run`), so many runs of the same function
 * overlap. A tick's HTTP answer comes as soon as `scheduled()` returns, with
 * the run still going in `ctx.waitUntil`; so "finished" is judged by the
 * run's own effects (see `quiesce`), never by an answer.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Reader } from "./reader.js";
import type { RunnerStats } from "./runner.js";
import { emptyRunnerStats, manualRun } from "./runner.js";
import { groupState } from "./sampler.js";

export interface OverlapOptions {
  apiUrl: string;
  token: string;
  fn: string;
  /** Exactly as in wrangler.toml. */
  cron: string;
  /** Runs fired per second, cron and manual alternating. */
  perSecond: number;
  /** Manual runs whose answer has not come yet beyond which a manual fire is skipped (workerd's connections are finite). */
  maxInFlight: number;
}

export interface Overlap {
  readonly stats: { cronFired: number; cronFailed: number; manualFired: number; skipped: number; maxInFlight: number; manual: RunnerStats };
  /** Manual runs not answered yet. */
  readonly inFlight: number;
  /** Stops firing and waits for every manual run's answer; cron runs may still be going (see `quiesce`). */
  stop(): Promise<void>;
}

export function startOverlap(o: OverlapOptions): Overlap {
  const stats = { cronFired: 0, cronFailed: 0, manualFired: 0, skipped: 0, maxInFlight: 0, manual: emptyRunnerStats() };
  const pending = new Set<Promise<void>>();
  let turn = 0;
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const fire = () => {
    if (turn++ % 2 === 0) {
      stats.cronFired += 1;
      track(tick());
      return;
    }
    if (manualInFlight >= o.maxInFlight) {
      stats.skipped += 1;
      return;
    }
    stats.manualFired += 1;
    stats.manual.runs += 1;
    manualInFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, manualInFlight);
    track(manualRun(o, stats.manual).finally(() => (manualInFlight -= 1)));
  };
  let manualInFlight = 0;
  // Never rejects: a tick cut by a kill or a dropped connection is counted, not thrown.
  async function tick(): Promise<void> {
    try {
      const r = await fetch(`${o.apiUrl}/__scheduled?cron=${encodeURIComponent(o.cron)}`, { signal: AbortSignal.timeout(30_000) });
      await r.arrayBuffer();
      if (!r.ok) stats.cronFailed += 1;
    } catch {
      stats.cronFailed += 1;
    }
  }
  const timer = setInterval(fire, 1000 / o.perSecond);
  return {
    stats,
    get inFlight() {
      return manualInFlight;
    },
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
    },
  };
}

export interface QuiesceOptions {
  reader: Reader;
  stream: string;
  group: string;
  /** Where a run's writes land: its stored reports, the ledger, the DLQ. */
  watched: { lists: readonly string[]; streams: readonly string[] };
  /** Quiet this long: no new report, no write, no change to the group. */
  quietMs: number;
  timeoutMs: number;
}

/**
 * Waits until every run has finished: nothing a run writes (its report, the
 * ledger, the DLQ, the group's pending count and last-delivered id) has
 * changed for `quietMs`. A run doing work commits at least once per batch
 * (a handler timeout and a request), so a quiet window longer than that
 * means none is left. Answers what is still pending then: retries not due
 * yet and deliveries cut short, for the drain to settle.
 */
export async function quiesce(q: QuiesceOptions): Promise<{ quiet: boolean; waitedMs: number; pendingLeft: number }> {
  const started = Date.now();
  const snapshot = async () => {
    const g = await groupState(q.reader, q.stream, q.group);
    const lists = await Promise.all(q.watched.lists.map((k) => q.reader.command(["LINDEX", k, "0"])));
    const streams = await Promise.all(q.watched.streams.map((k) => q.reader.command(["XLEN", k])));
    return { key: JSON.stringify([g?.pending, g?.lastDeliveredId, lists, streams]), pending: g?.pending ?? 0 };
  };
  let last = await snapshot();
  let since = Date.now();
  while (Date.now() - since < q.quietMs) {
    if (Date.now() - started > q.timeoutMs) return { quiet: false, waitedMs: Date.now() - started, pendingLeft: last.pending };
    await sleep(250);
    const now = await snapshot();
    if (now.key !== last.key) since = Date.now();
    last = now;
  }
  return { quiet: true, waitedMs: Date.now() - started, pendingLeft: last.pending };
}
