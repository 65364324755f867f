/**
 * The enqueue route's hand-off to src/functions/wake.ts: the run goes to the
 * invocation's `waitUntil`, so the answer does not wait for it. Without an
 * ExecutionContext (Node's `app.request` without one, or a caller that passes
 * none) nothing is started and the next cron tick consumes the message, as
 * before; Hono's `c.executionCtx` throws then, hence the try. The var
 * `WAKE_ON_ENQUEUE=false` turns it off, for a deployment that would rather
 * save the lease's command per enqueue, or a test of tick-driven behaviour.
 */
import type { Context } from "hono";
import type { Written } from "../functions/wake.js";
import { wakeConsumers } from "../functions/wake.js";
import type { ApiEnv } from "./context.js";

type WaitUntil = { waitUntil(promise: Promise<unknown>): void };

/** Where the sessions an enqueue starts would run; undefined when they cannot (no ExecutionContext, or WAKE_ON_ENQUEUE=false). */
function waitUntilOf(c: Context<ApiEnv>): WaitUntil | undefined {
  if (c.env.WAKE_ON_ENQUEUE === "false") return undefined;
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/** Whether an enqueue onto `stream` should take its wake lease: something would run on it now. */
export const wakes = (c: Context<ApiEnv>, stream: string): boolean =>
  waitUntilOf(c) !== undefined && c.var.catalog.functions.some((fn) => fn.stream === stream && !fn.skipReason?.(c.env));

/**
 * `written`: every stream the enqueue wrote and how many messages (a partitioned enqueue writes several), woken together in one budget.
 * `leased`: the streams whose lease the enqueue already took in its own request (enqueue-parts.ts, idempotency-script.ts); without it, the leases are taken here, in one request.
 */
export function wakeAfterEnqueue(c: Context<ApiEnv>, written: readonly Written[], leased?: readonly string[]): void {
  const ctx = waitUntilOf(c);
  if (!ctx || leased?.length === 0) return;
  const woken = wakeConsumers(c.var.redis(), c.var.catalog.functions, c.env, written, leased ? { leased: new Set(leased) } : {}).catch((error: unknown) => {
    // The message is safe in the stream either way: the next tick consumes it.
    console.error(`cronsumer: starting a run after an enqueue onto ${written.map((w) => w.stream).join(", ")} failed: ${error instanceof Error ? error.message : String(error)}`);
  });
  ctx.waitUntil(woken);
}
