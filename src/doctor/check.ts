/**
 * What a doctor check is and what it reports. A check sends raw commands
 * through the engine's own `Transport` (so it sees exactly what a run sees),
 * on keys the runner hands it, and returns plain result rows: what cronsumer
 * assumes, what the database did, and whether they agree.
 */
import type { Command, Transport } from "../core/redis/transport.js";

export interface CheckResult {
  /** The check's name, as the table and the README spell it. */
  name: string;
  expected: string;
  observed: string;
  ok: boolean;
  /** Versions or features observed, or why a result is acceptable. */
  note?: string;
}

export interface DoctorContext {
  transport: Transport;
  /** A fresh key under the run's prefix; the runner deletes every one at the end. */
  key(name: string): string;
  /** `EXPIRE key <ttlSeconds>`: a TTL on each key, in case the process dies before cleanup. */
  expire(key: string): Command;
  /** The backstop TTL, for commands that set one themselves (`SET … EX`). */
  ttlSeconds: number;
  /** The request size the database is expected to refuse above. */
  maxRequestBytes: number;
  sleep(ms: number): Promise<void>;
}

export interface Check {
  name: string;
  /** What it costs, said in the output: Upstash bills every command. */
  cost: string;
  run(ctx: DoctorContext): Promise<CheckResult[]>;
}

/** One result row; `ok` is decided by the caller. */
export const row = (name: string, expected: string, observed: string, ok: boolean, note?: string): CheckResult =>
  note === undefined ? { name, expected, observed, ok } : { name, expected, observed, ok, note };
