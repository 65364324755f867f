/**
 * Runs a batch's handlers with bounded concurrency. Each attempt gets an
 * AbortSignal that fires at `handlerTimeoutMs`, a budgeted `fetch`, and its
 * own effects buffer. An attempt that overruns is counted as failed at once;
 * its buffer is sealed, so nothing it writes later is committed.
 */
import type { SubrequestBudget } from "./budget.js";
import { SubrequestBudgetError } from "./budget.js";
import type { HandlerContext, Message } from "./define.js";
import { Effects } from "./effects.js";
import { PermanentError } from "./errors.js";
import type { Vars } from "./overrides.js";
import type { Command } from "./transport.js";

export type Outcome =
  | { message: Message; ok: true; effects: readonly Command[] }
  /** `notAttempted`: the run's budget refused the handler's fetch; not the message's fault. */
  | { message: Message; ok: false; permanent: boolean; notAttempted?: boolean; error: string };

export interface BatchOptions {
  concurrency: number;
  handlerTimeoutMs: number;
  budget: SubrequestBudget;
  /** Subrequests that must stay free after this batch: its commit, and work after the loop. */
  reservedSubrequests: number;
  env: Vars;
  /** Called as a plain function, never as `o.fetch`; a method of some object (a service binding's) must come bound. */
  fetch: typeof fetch;
  handle: (message: Message, ctx: HandlerContext) => Promise<void>;
}

export async function handleBatch(messages: readonly Message[], o: BatchOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(messages.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < messages.length) {
      const index = next++;
      outcomes[index] = await attempt(messages[index]!, o);
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.concurrency, messages.length) }, lane));
  return outcomes;
}

async function attempt(message: Message, o: BatchOptions): Promise<Outcome> {
  const controller = new AbortController();
  const effects = new Effects();
  const ctx: HandlerContext = {
    signal: controller.signal,
    effects,
    env: o.env,
    fetch: budgetedFetch(o, controller.signal),
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), o.handlerTimeoutMs);
  });
  try {
    const result = await Promise.race([o.handle(message, ctx).then(() => "done" as const), timeout]);
    if (result === "timeout") {
      effects.seal();
      controller.abort(new Error(`handler timed out after ${o.handlerTimeoutMs} ms`));
      return { message, ok: false, permanent: false, error: `handler timed out after ${o.handlerTimeoutMs} ms` };
    }
    effects.seal();
    return { message, ok: true, effects: effects.commands };
  } catch (error) {
    effects.seal();
    controller.abort(error);
    const permanent = error instanceof PermanentError || (error instanceof Error && error.name === "PermanentError");
    const notAttempted = error instanceof SubrequestBudgetError;
    return { message, ok: false, permanent, notAttempted, error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

function budgetedFetch(o: BatchOptions, signal: AbortSignal): typeof fetch {
  // Called as a plain function: workerd's built-in fetch throws "Illegal
  // invocation" when called as a method of another object (`o.fetch(…)`).
  const send = o.fetch;
  return async (input, init) => {
    o.budget.take(o.reservedSubrequests);
    return send(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name === "Error" ? "" : `${error.name}: `}${error.message}`.slice(0, 1_000);
  return String(error).slice(0, 1_000);
}
