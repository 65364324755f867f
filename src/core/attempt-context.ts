/**
 * What every handler call shares, single-message or whole-batch: the context
 * (budgeted `fetch`, read-only Redis, vars), a timeout that never leaves a
 * timer behind, and how a thrown error becomes an outcome.
 */
import type { SubrequestBudget } from "./budget.js";
import { SubrequestBudgetError } from "./budget.js";
import type { Delivered, PollingFunction, RunContext } from "./define.js";
import { ConfigError, PermanentError, RetryError } from "./errors.js";
import type { Vars } from "./overrides.js";
import { readOnly } from "./read-only.js";
import type { Command, Transport } from "./transport.js";

export type Outcome =
  | { message: Delivered; ok: true; effects: readonly Command[] }
  /**
   * `notAttempted`: the run's budget refused the handler's fetch; not the message's fault.
   * `delayMs`: the handler chose when to retry, instead of the backoff.
   * `slowDownMs`: the handler asked its whole function to hold off this long (RetryError `slowFunction`).
   */
  | { message: Delivered; ok: false; permanent: boolean; notAttempted?: boolean; delayMs?: number; slowDownMs?: number; error: string };

export type Failure = Extract<Outcome, { ok: false }>;

export interface BatchOptions {
  concurrency: number;
  handlerTimeoutMs: number;
  maxDeliveries: number;
  budget: SubrequestBudget;
  /** Subrequests that must stay free after this batch: its commit, and work after the loop. */
  reservedSubrequests: number;
  env: Vars;
  /** Called as a plain function, never as `o.fetch`; a method of some object (a service binding's) must come bound. */
  fetch: typeof fetch;
  /** For `ctx.read`: the run's own (counting) transport. */
  transport: Transport;
  fn: Pick<PollingFunction, "handle" | "handleBatch" | "schema">;
  /** `ctx.slowDown(ms)`: the run holds the whole function off for `ms` (see rate-limit.ts). */
  slowDown?(ms: number): void;
}

export function runContext(o: BatchOptions, signal: AbortSignal): RunContext {
  const slowDown = (ms: number) => {
    if (!Number.isFinite(ms) || ms < 0) throw new ConfigError(`slowDown: \`ms\` must be a number ≥ 0; got ${ms}`);
    o.slowDown?.(ms);
  };
  return { signal, fetch: budgetedFetch(o, signal), read: readOnly(o.transport, o.budget, o.reservedSubrequests), env: o.env, maxDeliveries: o.maxDeliveries, slowDown };
}

function budgetedFetch(o: BatchOptions, signal: AbortSignal): typeof fetch {
  // Called as a plain function: workerd refuses a built-in `fetch` called as a method of another object.
  const send = o.fetch;
  return async function fetch(input, init) {
    o.budget.take(o.reservedSubrequests);
    return send(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
  };
}

/** Resolves "timeout" after `ms` unless `work` settles first; rejects as `work` does. */
export async function withTimeout(work: Promise<unknown>, ms: number): Promise<"done" | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([work.then(() => "done" as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function failure(message: Delivered, error: unknown): Failure {
  const permanent = error instanceof PermanentError || (error instanceof Error && error.name === "PermanentError");
  const notAttempted = error instanceof SubrequestBudgetError;
  const f: Failure = { message, ok: false, permanent, notAttempted, error: describe(error) };
  if (error instanceof RetryError) f.delayMs = error.delayMs;
  if (error instanceof RetryError && error.slowFunction) f.slowDownMs = error.delayMs;
  return f;
}

export const timedOut = (message: Delivered, ms: number): Failure => ({ message, ok: false, permanent: false, error: `handler timed out after ${ms} ms` });

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name === "Error" ? "" : `${error.name}: `}${error.message}`.slice(0, 1_000);
  return String(error).slice(0, 1_000);
}
