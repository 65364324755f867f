/**
 * Kills the Worker mid-run. Kill points are seeded fractions of the drill's
 * progress (messages settled in the ledger or the dead-letter stream), so
 * every kill lands while work is going on however fast this machine is; a
 * seeded delay of up to `jitterMs` after the point is crossed picks the
 * moment, then up to 2 s more until a manual run is in flight. `kill` is SIGKILL to the Worker's process group and a restart
 * (the stack's `crashWorker`); the next point waits for the restart.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface Kill {
  /** ms since the drill started. */
  atMs: number;
  /** The progress point that was due, and the progress when the kill was sent. */
  point: number;
  progress: number;
  /** Manual runs in flight at the moment of the kill: runs it cut short. */
  runsInFlight: number;
  /** From SIGKILL until the restarted Worker answered GET /health. */
  downMs: number;
  error?: string;
}

export interface KillerOptions {
  /** Sorted progress fractions, one kill each (see `killPoints`). */
  points: readonly number[];
  random: () => number;
  /** @default 1_000 */
  jitterMs?: number;
  /** The latest progress, from 0 to 1. */
  progress: () => number;
  runsInFlight: () => number;
  kill: () => Promise<void>;
  startedAt: number;
  log?: (line: string) => void;
}

export interface Killer {
  readonly kills: readonly Kill[];
  /** True once every point has had its kill. */
  readonly done: boolean;
  /** No more kills; waits for a restart in progress. */
  stop(): Promise<void>;
}

/** `count` seeded points between 5 % and 85 % of the progress, sorted. */
export function killPoints(count: number, random: () => number): number[] {
  return Array.from({ length: count }, () => 0.05 + random() * 0.8).sort((a, b) => a - b);
}

export function startKiller(o: KillerOptions): Killer {
  const { jitterMs = 1_000, log = () => {} } = o;
  const kills: Kill[] = [];
  let stopped = false;
  let done = o.points.length === 0;
  const loop = (async () => {
    for (const point of o.points) {
      while (!stopped && o.progress() < point) await sleep(100);
      const jitter = Math.floor(o.random() * jitterMs);
      if (stopped) return;
      await sleep(jitter);
      // Mid-run: wait a little for a run to be in flight, so the kill cuts one short.
      for (let waited = 0; waited < 2_000 && !stopped && o.runsInFlight() === 0; waited += 20) await sleep(20);
      if (stopped) return;
      const kill: Kill = { atMs: Date.now() - o.startedAt, point, progress: o.progress(), runsInFlight: o.runsInFlight(), downMs: 0 };
      const t0 = Date.now();
      log(`drill: kill ${kills.length + 1}/${o.points.length} at ${(kill.progress * 100).toFixed(1)}% settled, ${kill.runsInFlight} manual run(s) in flight`);
      try {
        await o.kill();
      } catch (error) {
        kill.error = (error as Error).message;
        log(`drill: kill or restart failed: ${kill.error}`);
      }
      kill.downMs = Date.now() - t0;
      kills.push(kill);
      if (kill.error) return;
    }
    done = true;
  })();
  return {
    kills,
    get done() {
      return done;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
