/**
 * The typed definition of a polling function: what it consumes, when it runs,
 * and how it handles one message. `definePollingFunction` validates it once,
 * at start-up, so a bad definition never reaches a cron tick.
 */
import type { Effects } from "./effects.js";
import { ConfigError } from "../redis/errors.js";
import { checkCombinations } from "./combinations.js";
import type { FunctionOptions } from "./options.js";
import { defaultOptions, FREE_PLAN_CPU_MS, FREE_PLAN_SUBREQUESTS, validateOptions } from "./options.js";
import type { Vars } from "./overrides.js";
import { applyOverrides, overrideVarName } from "./overrides.js";
import type { Fields } from "../redis/parse-replies.js";
import type { Partitions } from "./partitions.js";
import { MAX_PARTITIONS, memberName, validatePartitions } from "./partitions.js";
import type { Command, Reply } from "../redis/transport.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import type { Payload } from "./payload.js";

/** Sends one read-only command: `await ctx.read(["HGET", "customers", id])`. */
export type ReadRedis = (command: Command) => Promise<Reply>;

/** A delivered entry as the engine tracks it, before any schema. */
export interface Delivered {
  id: string;
  stream: string;
  group: string;
  /** Exactly as enqueued: strings, never JSON-parsed. */
  fields: Fields;
  /** 1 on first delivery; the delivery count Redis keeps for this group, plus `priorDeliveries`. */
  attempt: number;
  /**
   * Deliveries the message had before a retry delay longer than the
   * visibility timeout parked it in the delayed set (`delays`): it comes back
   * as a new entry, with a new id, and counts on from there. Absent otherwise.
   */
  priorDeliveries?: number;
}

/** A message as a handler sees it. */
export interface Message<T = Fields> extends Delivered {
  /** What the function's `schema` made of the message (its `fields`, or its `body` with `payload: "json"`); that itself when it has none. */
  data: T;
  /**
   * With `payload: "json"`: the body, parsed from its one JSON field (and, with a `schema`, what the
   * schema made of it: then the same as `data`). With flat fields: the same as `data`.
   */
  body: T;
  /** With `payload: "json"`: the entry's other fields, as string headers. With flat fields: `{}`. */
  headers: Fields;
}

/** What every handler gets besides its messages. */
export interface RunContext {
  /** Fires at `handlerTimeoutMs`; the attempt then counts as failed and its effects are discarded. */
  signal: AbortSignal;
  /** `fetch` that counts towards the run's subrequest budget and follows `signal`. */
  fetch: typeof fetch;
  /** One read-only Redis command, sent at once: `await ctx.read(["HGET", "customers", id])`. Writes go through `effects`. */
  read: ReadRedis;
  /** The deployment's vars and secrets. */
  env: Vars;
  /** Deliveries a message gets before it is dead-lettered (the effective `maxDeliveries`). */
  maxDeliveries: number;
  /**
   * Holds the whole function off for `ms` (a downstream answered 429): this run reads and reclaims
   * nothing more until then, and with `rateLimit` no other run does either.
   */
  slowDown(ms: number): void;
  /**
   * Needs `maxHandlerMs`. Asks for `ms` more from now: the attempt's deadline (its `signal`) moves to
   * then, but never past `maxHandlerMs` after it started (for `handleBatch`, its rounds' share) nor past
   * the run's `maxRunMs`. Answers the ms granted. The message stays invisible meanwhile (the batch's
   * automatic heartbeat, without a delivery charged).
   */
  extendVisibility(ms: number): number;
}

export interface HandlerContext extends RunContext {
  /** Redis writes committed atomically with this message's acknowledgement. */
  effects: Effects;
  /** True on the message's last delivery: failing now dead-letters it. */
  lastAttempt: boolean;
}

/** A message in a batch handler, settled one by one (or all at once through the context). */
export interface BatchMessage<T = Fields> extends Message<T> {
  /** Writes committed with this message's acknowledgement, if it is acknowledged. */
  effects: Effects;
  /** True on the message's last delivery. */
  lastAttempt: boolean;
  ack(): void;
  /** Retry after `delayMs` (capped at `visibilityTimeoutMs` unless `delays: true`), or after the function's backoff. */
  retry(options?: { delayMs?: number; reason?: string }): void;
  /** To the dead-letter stream at once. */
  deadLetter(reason: string): void;
}

export interface BatchContext extends RunContext {
  ackAll(): void;
  retryAll(options?: { delayMs?: number; reason?: string }): void;
}

export interface PollingFunctionDefinition<T = Fields> {
  /** Lower-case letters, digits and dashes; used in consumer names, keys and `FN_*` vars. */
  name: string;
  stream: string;
  group: string;
  /** Cron expressions, exactly as in wrangler.toml `[triggers] crons`. */
  crons: string[];
  /**
   * Handles one message; returning acknowledges it (with its effects), throwing retries it
   * (`PermanentError`: dead-lettered at once; `RetryError`: after its own delay). Give this or `handleBatch`.
   */
  handle?(message: Message<T>, ctx: HandlerContext): Promise<void>;
  /**
   * Handles a whole batch at once and settles each message (`ack`, `retry`, `deadLetter`).
   * Messages left unsettled are acknowledged when it returns, and retried when it throws.
   */
  handleBatch?(messages: BatchMessage<T>[], ctx: BatchContext): Promise<void>;
  /**
   * `"json"`: each message is one JSON value (`message.body`), kept as one JSON field beside optional
   * string headers (payload.ts); the API's enqueue then takes `{"body": …}`, and the producer `sendBody`.
   * A definition field, not an option, so no `FN_*` var can reshape a stream's messages. @default "fields"
   */
  payload?: Payload;
  /**
   * Checks every message before a handler sees it (Standard Schema: zod, valibot, …): its fields, or its
   * body with `payload: "json"`. A mismatch is dead-lettered at once, with the schema's message.
   */
  schema?: StandardSchemaV1<unknown, T>;
  options?: Partial<FunctionOptions>;
  /** Returns a reason to skip runs in this deployment (e.g. a missing var), or undefined to run. */
  skipReason?(env: Vars): string | undefined;
  description?: string;
  /**
   * Spread the stream over `count` partition streams routed by the field `key`
   * (partitions.ts): the function runs as one member per partition
   * (partition-members.ts). A definition field, not an option, so no `FN_*`
   * var can repartition a deployment.
   */
  partitions?: Partitions;
}

/** What a member function knows of the partitioned function it is part of. */
export interface PartitionOf {
  /** The partitioned function's own name. */
  function: string;
  /** The logical stream the API and producers write to. */
  logical: string;
  index: number;
  spec: Required<Partitions>;
}

// `any`: a list of functions mixes payload types; each handler is checked against its own schema where it is defined.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface PollingFunction<T = any> extends PollingFunctionDefinition<T> {
  options: Partial<FunctionOptions>;
  /** Set on the members `expandPartitions` makes of a partitioned function. */
  partitionOf?: PartitionOf;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

export function definePollingFunction<T = Fields>(def: PollingFunctionDefinition<T>): PollingFunction<T> {
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
  const handlers = [def.handle, def.handleBatch].filter((h) => h !== undefined);
  if (handlers.length !== 1 || typeof handlers[0] !== "function") throw new ConfigError(`${where}: give exactly one of \`handle\` and \`handleBatch\`, as a function`);
  if (def.schema !== undefined && typeof def.schema?.["~standard"]?.validate !== "function") {
    throw new ConfigError(`${where}: \`schema\` must be a Standard Schema (zod, valibot, arktype, …)`);
  }
  if (def.payload !== undefined && def.payload !== "fields" && def.payload !== "json") {
    throw new ConfigError(`${where}: \`payload\` must be "json" or "fields"; got ${JSON.stringify(def.payload)}`);
  }
  const fn: PollingFunction<T> = { ...def, options: def.options ?? {} };
  if (def.partitions !== undefined) {
    fn.partitions = validatePartitions(where, def.stream, def.partitions);
    if (!NAME.test(memberName(def.name, MAX_PARTITIONS - 1))) throw new ConfigError(`${where}: a partitioned function's \`name\` must leave room for its members' "-p<i>" (at most 58 characters)`);
    const { partitionKey } = fn.options;
    // One key must stay in one partition, or its order would be split between two runs.
    if (fn.options.ordered && partitionKey !== undefined && partitionKey !== fn.partitions.key) {
      throw new ConfigError(`${where}: \`ordered\` with \`partitions\` orders by \`partitions.key\` (${JSON.stringify(fn.partitions.key)}); \`partitionKey\` must be the same field or unset`);
    }
  }
  const options = resolveOptions(fn, {}, 1);
  checkCombinations(where, options, { handleBatch: def.handleBatch !== undefined, schema: def.schema !== undefined, partitions: def.partitions !== undefined, payload: def.payload === "json" });
  return fn;
}

/**
 * The options a run uses: defaults, then the definition, then `FN_*` vars.
 * Unless set, the backoff cap shrinks to fit a lowered visibility timeout.
 * Unless set, `maxSubrequests` is this function's share of the Free plan's 50,
 * split between the functions that run on the same cron, and `maxCpuMs` its share of the 10 ms.
 */
export function resolveOptions(fn: PollingFunction, vars: Vars, sharers: number): FunctionOptions {
  const base = defaultOptions(fn.stream);
  const merged: FunctionOptions = {
    ...base,
    maxSubrequests: Math.floor(FREE_PLAN_SUBREQUESTS / Math.max(1, sharers)),
    maxCpuMs: FREE_PLAN_CPU_MS / Math.max(1, sharers),
    ...fn.options,
    backoff: { ...base.backoff, ...fn.options.backoff },
  };
  const { options } = applyOverrides(fn.name, merged, vars);
  // The default retry cap follows a lowered visibility timeout instead of contradicting it.
  const backoffSet = fn.options.backoff?.maxDelayMs !== undefined || vars[overrideVarName(fn.name, ["backoff", "maxDelayMs"])] !== undefined;
  if (!backoffSet) options.backoff.maxDelayMs = Math.min(options.backoff.maxDelayMs, options.visibilityTimeoutMs);
  if (!backoffSet) options.backoff.baseDelayMs = Math.min(options.backoff.baseDelayMs, options.backoff.maxDelayMs);
  const where = `polling function ${JSON.stringify(fn.name)}`;
  validateOptions(where, options);
  checkCombinations(where, options);
  return options;
}
