/**
 * The typed definition of a polling function: what it consumes, when it runs,
 * and how it handles one message. `definePollingFunction` validates it once,
 * at start-up, so a bad definition never reaches a cron tick.
 */
import type { Effects } from "./effects.js";
import { ConfigError } from "./errors.js";
import type { FunctionOptions } from "./options.js";
import { defaultOptions, FREE_PLAN_SUBREQUESTS, validateOptions } from "./options.js";
import type { Vars } from "./overrides.js";
import { applyOverrides, overrideVarName } from "./overrides.js";
import type { Fields } from "./parse-replies.js";

export interface Message {
  id: string;
  stream: string;
  group: string;
  /** Exactly as enqueued: strings, never JSON-parsed. */
  fields: Fields;
  /** 1 on first delivery; the delivery count Redis keeps for this group. */
  attempt: number;
}

export interface HandlerContext {
  /** Fires at `handlerTimeoutMs`; the attempt then counts as failed and its effects are discarded. */
  signal: AbortSignal;
  /** `fetch` that counts towards the run's subrequest budget and follows `signal`. */
  fetch: typeof fetch;
  /** Redis writes committed atomically with this message's acknowledgement. */
  effects: Effects;
  /** The deployment's vars and secrets. */
  env: Vars;
}

export interface PollingFunctionDefinition {
  /** Lower-case letters, digits and dashes; used in consumer names, keys and `FN_*` vars. */
  name: string;
  stream: string;
  group: string;
  /** Cron expressions, exactly as in wrangler.toml `[triggers] crons`. */
  crons: string[];
  handle(message: Message, ctx: HandlerContext): Promise<void>;
  options?: Partial<FunctionOptions>;
  /** Returns a reason to skip runs in this deployment (e.g. a missing var), or undefined to run. */
  skipReason?(env: Vars): string | undefined;
  description?: string;
}

export interface PollingFunction extends PollingFunctionDefinition {
  options: Partial<FunctionOptions>;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

export function definePollingFunction(def: PollingFunctionDefinition): PollingFunction {
  const where = `polling function ${JSON.stringify(def.name)}`;
  if (typeof def.name !== "string" || !NAME.test(def.name)) {
    throw new ConfigError(`${where}: \`name\` must match ${NAME} (lower-case letters, digits, dashes)`);
  }
  for (const key of ["stream", "group"] as const) {
    if (typeof def[key] !== "string" || def[key].length === 0) throw new ConfigError(`${where}: \`${key}\` must be a non-empty string`);
  }
  if (!Array.isArray(def.crons) || def.crons.length === 0 || def.crons.some((c) => typeof c !== "string" || c.trim() === "")) {
    throw new ConfigError(`${where}: \`crons\` must list at least one cron expression`);
  }
  if (typeof def.handle !== "function") throw new ConfigError(`${where}: \`handle\` must be a function`);
  const fn: PollingFunction = { ...def, options: def.options ?? {} };
  resolveOptions(fn, {}, 1);
  return fn;
}

/**
 * The options a run uses: defaults, then the definition, then `FN_*` vars.
 * Unless set, the backoff cap shrinks to fit a lowered visibility timeout.
 * Unless set, `maxSubrequests` is this function's share of the Free plan's 50,
 * split between the functions that run on the same cron.
 */
export function resolveOptions(fn: PollingFunction, vars: Vars, sharers: number): FunctionOptions {
  const base = defaultOptions(fn.stream);
  const merged: FunctionOptions = {
    ...base,
    maxSubrequests: Math.floor(FREE_PLAN_SUBREQUESTS / Math.max(1, sharers)),
    ...fn.options,
    backoff: { ...base.backoff, ...fn.options.backoff },
  };
  const { options } = applyOverrides(fn.name, merged, vars);
  // The default retry cap follows a lowered visibility timeout instead of contradicting it.
  const backoffSet = fn.options.backoff?.maxDelayMs !== undefined || vars[overrideVarName(fn.name, ["backoff", "maxDelayMs"])] !== undefined;
  if (!backoffSet) options.backoff.maxDelayMs = Math.min(options.backoff.maxDelayMs, options.visibilityTimeoutMs);
  if (!backoffSet) options.backoff.baseDelayMs = Math.min(options.backoff.baseDelayMs, options.backoff.maxDelayMs);
  return validateOptions(`polling function ${JSON.stringify(fn.name)}`, options);
}
