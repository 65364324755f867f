/**
 * The embedded engine as a bridge `Backend`: an in-memory, Redis 7.0
 * compatible store for streams, strings, hashes, lists, sorted sets and Lua
 * scripts, persisted to `dataDir` through an append-only log and snapshots,
 * so `npm start` needs nothing but Node. Intentional differences from Redis: the README, "The embedded engine".
 */
import { BackendUnavailableError, type Backend, type Outcome } from "../bridge/backend.js";
import { Engine } from "./engine.js";
import type { FsyncPolicy, LogRecord } from "./persistence/log.js";
import { Store } from "./persistence/store.js";

export type { FsyncPolicy };
export { DataDirLockedError } from "./persistence/lock.js";
export { CorruptLogError } from "./persistence/log.js";

export interface EngineOptions {
  /** Directory for the log and snapshots; without it, state lives only in memory. */
  dataDir?: string;
  /**
   * When the log is fsynced. Every acknowledged write survives the process
   * being killed whatever this says; it decides what an OS crash can lose.
   * @default "everysec"
   */
  fsync?: FsyncPolicy;
  /**
   * Log size that triggers compaction into a snapshot.
   * @default 64 MiB
   */
  compactAtBytes?: number;
  /**
   * The server clock (unix ms) for idle times, expiry and `*` IDs. The engine
   * never lets it run backwards.
   * @default Date.now
   */
  now?: () => number;
  /**
   * How long a Lua script may run before the engine stops it with an error.
   * @default 5000
   */
  scriptTimeLimitMs?: number;
}

export async function createEngineBackend(options: EngineOptions = {}): Promise<Backend> {
  const { dataDir, fsync = "everysec", compactAtBytes = 64 * 1024 * 1024, now = Date.now } = options;
  const engine = new Engine();
  if (options.scriptTimeLimitMs !== undefined) engine.scripts.timeLimitMs = options.scriptTimeLimitMs;
  const store = dataDir === undefined ? undefined : Store.open(engine, { dataDir, fsync, compactAtBytes });

  // Monotonic, and resumed from the data: idle times and `*` IDs never go back in time.
  let last = store?.clock ?? 0;
  const clock = () => (last = Math.max(last, now()));

  let closed = false;
  let failure: unknown;

  function ensureOpen(): void {
    if (closed) throw new BackendUnavailableError("the engine is closed");
    if (failure !== undefined) {
      throw new BackendUnavailableError("the engine stopped after a failed write to its log; restart it", {
        cause: failure,
      });
    }
  }

  /**
   * Memory is already changed when the log refuses a write, so the engine
   * stops (fail-stop): answering from a state the disk does not have would
   * lose acknowledged writes at the next start.
   */
  function persist(records: LogRecord[]): void {
    if (!store || records.length === 0) return;
    try {
      store.append(records);
    } catch (error) {
      failure = error;
      ensureOpen();
    }
  }

  return {
    async command(argv) {
      await engine.prepare([argv]);
      ensureOpen();
      const t = clock();
      const { outcome, writes } = engine.execute(argv, t);
      persist(writes.length ? [{ t, c: writes }] : []);
      return outcome;
    },

    async pipeline(commands) {
      await engine.prepare(commands);
      ensureOpen();
      const records: LogRecord[] = [];
      const outcomes = commands.map((argv): Outcome => {
        const t = clock();
        const { outcome, writes } = engine.execute(argv, t);
        if (writes.length) records.push({ t, c: writes });
        return outcome;
      });
      // One write for the whole pipeline, before any of it is acknowledged.
      persist(records);
      return outcomes;
    },

    async transaction(commands) {
      await engine.prepare(commands);
      ensureOpen();
      const t = clock();
      const executed = engine.transaction(commands, t);
      if ("error" in executed) return executed;
      // One record: after a crash the transaction is replayed whole or not at all.
      persist(executed.writes.length ? [{ t, c: executed.writes }] : []);
      return { results: executed.results };
    },

    async close() {
      if (closed) return;
      closed = true;
      store?.close({ compact: failure === undefined });
    },
  };
}
