/**
 * Enqueue starts consumption: after an API enqueue commits, the functions
 * consuming its stream run at once, in the enqueue's own invocation
 * (`waitUntil`), instead of at the next cron tick.
 *
 * Coalescing: the enqueue takes the stream's wake lease, `SET <lease> <token>
 * NX PX leaseMs` (keys.ts `wakeLeaseKey`), one request and one command, sent
 * after the write answered. Only the request that got the lease starts a
 * session; concurrent enqueues find it held and start nothing. The session
 * reads once more after the lease has ended (run-session.ts `quietAt`), so a
 * message written while the lease held is never left for the tick: its write
 * committed before its SET, which was refused before the lease ended, which is
 * before that last read; a write after the lease ended takes the lease itself.
 * The lease expires by itself, so releasing it costs nothing.
 */
import type { PollingFunction } from "../core/define.js";
import { wakeLeaseKey } from "../core/keys.js";
import type { RunReport } from "../core/report.js";
import { runSession } from "../core/run-session.js";
import type { Transport } from "../core/transport.js";
import type { Env } from "../env.js";

/** How long a lease holds: the longest a message written under it waits for the session's last read. */
export const WAKE_LEASE_MS = 250;
/** Work handed to `waitUntil` is cut off 30 s after the response on Workers: a session ends well before. */
const WAIT_UNTIL_MS = 25_000;
/** Subrequests the enqueue itself used before the sessions start: its write (up to 2) and the lease. */
const ENQUEUE_SUBREQUESTS = 3;

export interface WakeOptions {
  leaseMs?: number;
  now?: () => number;
}

/** Runs the stream's functions if this call got the lease; resolves with their reports, or [] when the lease was held. */
export async function wakeConsumers(t: Transport, functions: readonly PollingFunction[], env: Env, stream: string, options: WakeOptions = {}): Promise<RunReport[]> {
  const { leaseMs = WAKE_LEASE_MS, now = Date.now } = options;
  const due = functions.filter((fn) => fn.stream === stream && !fn.skipReason?.(env));
  if (due.length === 0) return [];
  const [reply] = await t.pipeline([["SET", wakeLeaseKey(stream), crypto.randomUUID(), "NX", "PX", String(leaseMs)]]);
  if (!reply || "error" in reply) throw new Error(`wake lease refused: ${reply && "error" in reply ? reply.error : "no reply"}`);
  if (reply.result !== "OK") return [];
  // The SET ran before its answer arrived, so the lease has surely ended `leaseMs` from now.
  const quietAt = now() + leaseMs;
  const slot = Math.floor(Math.random() * 1_000);
  const reports = await Promise.all(
    due.map((fn) =>
      runSession(fn, { transport: t, vars: env, trigger: "enqueue", slot, sharers: due.length, now, limits: { maxRunMs: WAIT_UNTIL_MS } }, { quietAt, reservedSubrequests: ENQUEUE_SUBREQUESTS }),
    ),
  );
  for (const r of reports) if (r.stopReason === "error") console.error(`cronsumer: ${r.function} run after enqueue failed: ${r.error}`);
  return reports;
}
