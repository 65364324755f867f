/**
 * What every handler call shares, single-message or whole-batch: the context
 * (budgeted `fetch`, read-only Redis, vars, `extendVisibility`), and how a
 * thrown error becomes an outcome.
 */
import type { SubrequestBudget } from "./budget.js";
import { SubrequestBudgetError } from "./budget.js";
import type { Delivered, HandlerContext, PollingFunction, RunContext } from "../define/define.js";
import type { EffectStreams } from "../partitions/effect-streams.js";
import { Effects } from "../define/effects.js";
import { ConfigError, PermanentError, RetryError } from "../redis/errors.js";
import type { Vars } from "../define/overrides.js";
import type { ReadRedis } from "./read-only.js";
import { readOnly } from "./read-only.js";
import type { Command, Transport } from "../redis/transport.js";
import type { Visibility } from "./visibility.js";

export type Outcome =
  | { message: Delivered; ok: true; effects: readonly Command[] }
  /**
   * `notAttempted`: the run's budget refused the handler's fetch; not the message's fault.
   * `delayMs`: the handler chose when to retry, instead of the backoff.
   * `slowDownMs`: the handler asked its whole function to hold off this long (RetryError `slowFunction`).
   * `lost`: another run holds the message now (visibility.ts): nothing of this attempt is committed.
   */
  | { message: Delivered; ok: false; permanent: boolean; notAttempted?: boolean; lost?: boolean; delayMs?: number; slowDownMs?: number; error: string };

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
  fn: Pick<PollingFunction, "handle" | "handleBatch" | "schema" | "payload">;
  /** `ctx.slowDown(ms)`: the run holds the whole function off for `ms` (see rate-limit.ts). */
  slowDown?(ms: number): void;
  /** Where effects' XADDs onto partitioned logical streams go (effect-streams.ts). */
  effectStreams?: EffectStreams;
  /** The batch's visibility extension (`maxHandlerMs`); without it `ctx.extendVisibility` refuses. */
  visibility?: Visibility;
}

/** Moves an attempt's deadline: answers the ms granted from now. */
export type Extender = (ms: number) => number;

export function runContext(o: BatchOptions, signal: AbortSignal, extend?: Extender): RunContext {
  return {
    signal,
    fetch: budgetedFetch(o, signal),
    read: batchReader(o),
    env: o.env,
    maxDeliveries: o.maxDeliveries,
    slowDown: slowDownFor(o),
    extendVisibility: extendFor(o, () => extend),
  };
}

/** `ctx.extendVisibility(ms)`: checked here, so a bad value or a function without `maxHandlerMs` fails the attempt that asked. */
const extendFor = (o: BatchOptions, extender: () => Extender | undefined) => (ms: number) => {
  if (!Number.isFinite(ms) || ms < 0) throw new ConfigError(`extendVisibility: \`ms\` must be a number ≥ 0; got ${ms}`);
  if (!o.visibility) throw new ConfigError("extendVisibility: this function does not extend visibility; set the option `maxHandlerMs` (the longest an attempt may run)");
  return extender()?.(ms) ?? 0;
};

/** `ctx.slowDown(ms)`: one function per batch, checked here so a bad value fails the attempt that passed it. */
const slowDownFor = (o: BatchOptions) => (ms: number) => {
  if (!Number.isFinite(ms) || ms < 0) throw new ConfigError(`slowDown: \`ms\` must be a number ≥ 0; got ${ms}`);
  o.slowDown?.(ms);
};

/** What a handler that wrote nothing commits: one shared empty list. */
const NO_EFFECTS: readonly Command[] = Object.freeze([]);

/**
 * One message's context. What most handlers never touch (the signal and its
 * AbortController, the effects buffer, the budgeted fetch) is made on first
 * use: CPU is billed per message on Workers, and these were most of the
 * engine's own cost per message. Behaviour is the same as if they were made
 * up front: a signal first read after the attempt ended is already aborted,
 * and effects first written after it are refused.
 */
export class AttemptContext implements HandlerContext {
  readonly #o: BatchOptions;
  #controller: AbortController | undefined;
  #abortedWith: { reason: unknown } | undefined;
  #effects: Effects | undefined;
  #fetch: typeof fetch | undefined;
  #extender: Extender | undefined;
  #ended = false;

  constructor(
    o: BatchOptions,
    readonly read: ReadRedis,
    readonly lastAttempt: boolean,
  ) {
    this.#o = o;
  }

  get env(): Vars {
    return this.#o.env;
  }

  get maxDeliveries(): number {
    return this.#o.maxDeliveries;
  }

  get slowDown(): (ms: number) => void {
    return slowDownFor(this.#o);
  }

  /** Asks for `ms` more from now; answers what was granted (0 once the attempt is over). */
  get extendVisibility(): (ms: number) => number {
    return extendFor(this.#o, () => (this.#ended ? undefined : this.#extender));
  }

  /** How this attempt's deadline moves (handle-batch.ts). */
  set extender(extend: Extender) {
    this.#extender = extend;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortedWith) this.#controller.abort(this.#abortedWith.reason);
    }
    return this.#controller.signal;
  }

  get fetch(): typeof fetch {
    return (this.#fetch ??= budgetedFetch(this.#o, this.signal));
  }

  get effects(): Effects {
    if (!this.#effects) {
      this.#effects = new Effects(this.#o.effectStreams);
      if (this.#ended) this.#effects.seal();
    }
    return this.#effects;
  }

  /** The effects to commit with the ack. */
  get written(): readonly Command[] {
    return this.#effects?.commands ?? NO_EFFECTS;
  }

  /** The attempt is over: later writes are refused. */
  end(): void {
    this.#ended = true;
    this.#effects?.seal();
  }

  abort(reason: unknown): void {
    if (this.#controller) this.#controller.abort(reason);
    else this.#abortedWith = { reason };
  }
}

/** The read-only Redis every attempt of a batch shares. */
export const batchReader = (o: BatchOptions): ReadRedis => readOnly(o.transport, o.budget, o.reservedSubrequests, o.visibility);

function budgetedFetch(o: BatchOptions, signal: AbortSignal): typeof fetch {
  // Called as a plain function: workerd refuses a built-in `fetch` called as a method of another object.
  const send = o.fetch;
  return async function fetch(input, init) {
    o.budget.take(o.reservedSubrequests);
    return send(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
  };
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

/** An attempt that overran: its signal fires, and its effects (sealed by `end`) are not committed. */
export function overran(ctx: AttemptContext, message: Delivered, ms: number): Failure {
  ctx.abort(new Error(`handler timed out after ${ms} ms`));
  return timedOut(message, ms);
}

/** Another run holds the message now: nothing of this attempt is committed (commit.ts). */
export const lostTo = (message: Delivered, why: string): Failure => ({ message, ok: false, permanent: false, lost: true, error: `VisibilityLostError: ${why}` });

/** Total: a handler may throw anything, also a value that cannot be made a string (`Object.create(null)`). */
function describe(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name === "Error" ? "" : `${error.name}: `}${error.message}`.slice(0, 1_000);
    return String(error).slice(0, 1_000);
  } catch {
    return `a thrown ${typeof error} that cannot be shown as text`;
  }
}
