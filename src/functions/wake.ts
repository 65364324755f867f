/**
 * Enqueue starts consumption: after an API enqueue commits, the functions
 * consuming its stream run at once, in the enqueue's own invocation
 * (`waitUntil`), instead of at the next cron tick.
 *
 * Coalescing: the enqueue takes the stream's wake lease (wake-lease.ts), a
 * counter of the messages written in a `leaseMs` window, in the enqueue's own
 * request (beside the XADDs, or inside the Idempotency-Key script; then
 * `leased` says what it found), else in one EVAL request after the write. The request that opens the window
 * starts a session, and so does each one that carries the window past
 * another `WAKE_CAPACITY` messages; the others start nothing. A session reads
 * once more after the window has ended (run-session.ts `quietAt`), so a
 * message written in it is never left for the tick: its write committed
 * no later than its count, which was before the window ended, which is
 * before that last read; a write after the window ended opens the next one. The window
 * expires by itself, so releasing it costs nothing.
 *
 * A session is one invocation's budgets (about a hundred messages on Free).
 * One that ends on a budget with the window's messages still unread hands
 * them to the function's drainer (hand-over.ts), a fresh invocation per
 * alarm, with the window's end (`quietAt`) for its own last read.
 */
import type { PollingFunction } from "../core/define/define.js";
import type { RunReport } from "../core/features/report.js";
import { runSession } from "../core/run/run-session.js";
import type { Transport } from "../core/redis/transport.js";
import type { Env } from "../env.js";
import { startDrainers } from "./fan-out.js";
import { handOver, handOverReserve } from "./hand-over.js";
import { wakeLeaseCommand } from "./wake-lease.js";

/** How long a lease holds: the longest a message written under it waits for the session's last read. */
export const WAKE_LEASE_MS = 250;
/** Work handed to `waitUntil` is cut off 30 s after the response on Workers: a session ends well before. */
const WAIT_UNTIL_MS = 25_000;
/** Subrequests the enqueue itself used before the sessions start: its write (up to 2) and the lease; a partitioned one, up to two per partition and the leases. */
const ENQUEUE_SUBREQUESTS = 3;

export interface WakeOptions {
  leaseMs?: number;
  now?: () => number;
  /** The streams whose lease the enqueue took in its own request: no lease request is sent here. */
  leased?: ReadonlySet<string>;
}

/** A stream an enqueue wrote, and how many messages it wrote there. */
export interface Written {
  stream: string;
  messages: number;
}

/**
 * Runs the functions of each stream this call's lease says to start;
 * resolves with their reports, or [] when none. A partitioned enqueue passes
 * every partition stream it wrote: one request counts them all (one command
 * each), and the members it starts share this invocation's budgets as a cron
 * tick's functions do, instead of each assuming it is alone.
 */
export async function wakeConsumers(
  t: Transport,
  functions: readonly PollingFunction[],
  env: Env,
  written: string | readonly Written[],
  options: WakeOptions = {},
): Promise<RunReport[]> {
  const { leaseMs = WAKE_LEASE_MS, now = Date.now } = options;
  const wanted = (typeof written === "string" ? [{ stream: written, messages: 1 }] : written).filter(({ stream }) =>
    functions.some((fn) => fn.stream === stream && !fn.skipReason?.(env)),
  );
  if (wanted.length === 0) return [];
  const leased = options.leased ?? (await takeLeases(t, wanted, leaseMs));
  const due = functions.filter((fn) => leased.has(fn.stream) && !fn.skipReason?.(env));
  if (due.length === 0) return [];
  // The SETs ran before their answer arrived, so every lease has surely ended `leaseMs` from now.
  const quietAt = now() + leaseMs;
  const slot = Math.floor(Math.random() * 1_000);
  // A burst larger than this invocation's budgets starts drainers, as a tick's backlog does (fan-out.ts, `maxParallelRuns`).
  const drains: Promise<unknown>[] = [];
  const backlogged = new Set<string>();
  const onBacklog = (fn: PollingFunction) => () => {
    backlogged.add(fn.name);
    drains.push(startDrainers(fn, env, slot, now()).catch((e: unknown) => console.error(`cronsumer: ${fn.name} fan-out after enqueue failed: ${String(e)}`)));
  };
  // A session that ends on a budget hands the rest to the function's drainer (hand-over.ts), which keeps the subrequest that costs in reserve.
  const reserved = Math.max(ENQUEUE_SUBREQUESTS, 1 + 2 * wanted.length) + handOverReserve(env);
  const reports = await Promise.all(
    due.map(async (fn) => {
      const deps = { transport: t, vars: env, trigger: "enqueue" as const, slot, sharers: due.length, now, limits: { maxRunMs: WAIT_UNTIL_MS }, onBacklog: onBacklog(fn), functions };
      const report = await runSession(fn, deps, { quietAt, reservedSubrequests: reserved });
      await handOver(fn, env, report, { slot, from: now(), quietAt, backlogged: backlogged.has(fn.name) });
      return report;
    }),
  );
  await Promise.all(drains);
  for (const r of reports) if (r.stopReason === "error") console.error(`cronsumer: ${r.function} run after enqueue failed: ${r.error}`);
  return reports;
}

/** The leases of the streams an enqueue wrote, in one request: the streams whose lease says to start a session. */
async function takeLeases(t: Transport, wanted: readonly Written[], leaseMs: number): Promise<Set<string>> {
  const replies = await t.pipeline(wanted.map(({ stream, messages }) => wakeLeaseCommand(stream, messages, leaseMs)));
  const refused = replies.find((reply) => !reply || "error" in reply);
  if (refused !== undefined || replies.length !== wanted.length) throw new Error(`wake lease refused: ${refused && "error" in refused ? refused.error : "no reply"}`);
  return new Set(wanted.filter((_, i) => (replies[i] as { result: unknown }).result === 1).map((w) => w.stream));
}
