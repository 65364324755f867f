/**
 * Hand-over: a session (a wake after an enqueue, or a cron tick) that ended
 * bound by a budget of its invocation (messages, subrequests, time, CPU)
 * hands what is left to the function's hand-over drainer, a Durable Object
 * named `<function>:wake` (drainer.ts). The request only arms the object's
 * alarm, so the caller waits for one round trip, not for the drain; each
 * alarm is an invocation with fresh budgets, and a budget-bound drainer
 * re-arms until the backlog is gone or the window ends. This works with the
 * default `maxParallelRuns: 1`: fan-out (fan-out.ts) adds drainers beside a
 * run, the hand-over continues after one. When fan-out did start drainers
 * for the session, they carry the rest (re-arming as this one would), and
 * nothing is handed over: runs stay within `maxParallelRuns`.
 *
 * One drainer per function, whatever the trigger: two overlapping enqueues
 * (or an enqueue and a tick) arm the same object, which runs one drain at a
 * time and runs once more when a hand-over arrived during a drain. Its slot
 * is the session's, so its consumer name is one of the pool's.
 *
 * Without the binding (`CRONSUMER_DRAINER`) the rest waits for the next
 * tick, as before, and that is said once.
 */
import type { PollingFunction } from "../core/define/define.js";
import type { RunReport } from "../core/features/report.js";
import type { Env } from "../env.js";
import type { DrainerNamespace, DrainJob } from "./fan-out.js";
import { DRAIN_WINDOW_MS, DRAINER_BINDING, fansOut } from "./fan-out.js";

/** The stop reasons that say the invocation ran out, not the backlog. */
const BUDGET_BOUND: ReadonlySet<RunReport["stopReason"]> = new Set(["messages", "subrequests", "time", "cpu"]);

export const budgetBound = (report: RunReport): boolean => BUDGET_BOUND.has(report.stopReason);

/** The subrequest a hand-over costs its caller: sessions keep it in reserve when the binding is there. */
export const handOverReserve = (env: Env): number => (env[DRAINER_BINDING] ? 1 : 0);

/** The Durable Object name of a function's hand-over drainer. */
export const handOverName = (fn: string): string => `${fn}:wake`;

/** The path a drainer takes a hand-over on (the fan-out path runs at once instead). */
export const HAND_OVER_PATH = "/hand-over";

export interface HandOverAt {
  /** The session's slot: the drainer reads as the same consumer of the pool. */
  slot: number;
  /** Unix ms the drainer's window starts from: the tick's scheduled time, or now. */
  from: number;
  /** Unix ms of the wake lease's end, for a wake session (wake.ts). */
  quietAt?: number;
  /** A first read of the session came back full (`onBacklog`): with `maxParallelRuns` > 1, fan-out's drainers already carry the rest. */
  backlogged?: boolean;
}

let warned = false;

/**
 * Hands `report`'s backlog on when it ended budget-bound; resolves true when
 * a drainer took it. Failures are logged, not thrown: the messages are safe
 * in the stream, and the next tick takes them.
 */
export async function handOver(fn: PollingFunction, env: Env, report: RunReport, at: HandOverAt): Promise<boolean> {
  if (!budgetBound(report) || (at.backlogged && fansOut(fn, env))) return false;
  const ns = env[DRAINER_BINDING] as DrainerNamespace | undefined;
  if (!ns) {
    if (!warned) console.warn(`cronsumer: ${fn.name} ended on its ${report.stopReason} budget and the Worker has no ${DRAINER_BINDING} Durable Object binding: the rest waits for the next cron tick`);
    warned = true;
    return false;
  }
  const job: DrainJob = { function: fn.name, slot: at.slot, until: at.from + DRAIN_WINDOW_MS, ...(at.quietAt !== undefined ? { quietAt: at.quietAt } : {}) };
  try {
    const stub = ns.get(ns.idFromName(handOverName(fn.name)) as never);
    const response = await stub.fetch(`https://drainer${HAND_OVER_PATH}`, { method: "POST", body: JSON.stringify(job), headers: { "content-type": "application/json" } });
    if (!response.ok) throw new Error(`answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return true;
  } catch (error) {
    console.error(`cronsumer: ${fn.name} hand-over to its drainer failed (the next tick takes the rest): ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}
