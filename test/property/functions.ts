/**
 * The polling functions a case runs: one per group over one stream (or one
 * member per partition), built from an option set with the public
 * `definePollingFunction`. Every handler does what its message's `b` field
 * says and records what it saw in the history, and a success commits one
 * ledger entry as its effect, so "committed twice" is visible in Redis.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { BatchMessage, HandlerContext, Message, PollingFunction } from "../../src/core/define/define.js";
import { definePollingFunction } from "../../src/core/define/define.js";
import { PermanentError, RetryError } from "../../src/core/redis/errors.js";
import type { FunctionOptions } from "../../src/core/define/options.js";
import { expandPartitions } from "../../src/core/partitions/partition-members.js";
import type { StandardSchemaV1 } from "../../src/core/define/standard-schema.js";
import type { Behaviour, OptionSet } from "./generators.js";
import { HANDLER_TIMEOUT_MS, MAX_DELIVERIES, RATE_PERIOD_MS, RETRY_DELAYS_MS, VISIBILITY_MS } from "./generators.js";
import { endOnEviction, unlessEvicted } from "./eviction.js";
import type { History } from "./history.js";

export const PARTITIONS = 2;
/** With `lanes`: two lanes, `low` (the default) being the stream itself. */
export const LANES = { names: ["high", "low"] };
export const SLOW_MS = 40;

export interface CaseKeys {
  id: string;
  stream: string;
  ledger: string;
  deadLetters: string;
}

export const caseKeys = (id: string): CaseKeys => ({ id, stream: `pbt-${id}`, ledger: `pbt-${id}:ledger`, deadLetters: `pbt-${id}:dlq` });

/** What a handler does with a message, decided by its behaviour and the attempt. */
type Verdict = { kind: "ack" } | { kind: "fail" } | { kind: "permanent" } | { kind: "retry"; delayMs: number };

function verdict(b: Behaviour, attempt: number, longRetries: boolean): Verdict {
  if (b === "failAlways") return { kind: "fail" };
  if (b === "permanent") return { kind: "permanent" };
  // "Once" by attempt, not by call: a delivery lost to a fault must not make it fail twice.
  if (b === "failOnce") return attempt === 1 ? { kind: "fail" } : { kind: "ack" };
  if (b === "retry") return attempt === 1 ? { kind: "retry", delayMs: RETRY_DELAYS_MS[longRetries ? 1 : 0] } : { kind: "ack" };
  return { kind: "ack" };
}

/** A Standard Schema that checks `n` is a number and hands it over as one. */
const schema: StandardSchemaV1<unknown, Record<string, string>> = {
  "~standard": {
    version: 1,
    vendor: "pbt",
    validate: (value) => {
      // Flat fields carry `n` as digits; a JSON body (`payload: "json"`) as a number.
      const n = (value as { n?: unknown }).n;
      const ok = (typeof n === "number" && Number.isInteger(n)) || (typeof n === "string" && /^\d+$/.test(n));
      return ok ? { value: value as Record<string, string> } : { issues: [{ message: "n must be digits", path: ["n"] }] };
    },
  },
};

export function options(set: OptionSet, keys: CaseKeys): Partial<FunctionOptions> {
  const has = (f: string) => set.features.includes(f as never);
  return {
    // Every lane is read on every fetch, so a batch holds at least one message per lane.
    batchSize: has("lanes") ? Math.max(LANES.names.length, set.batchSize) : set.batchSize,
    concurrency: set.concurrency,
    visibilityTimeoutMs: VISIBILITY_MS,
    handlerTimeoutMs: HANDLER_TIMEOUT_MS,
    maxDeliveries: MAX_DELIVERIES,
    // A polling session's waits move the shared clock: 2 s of them keeps a batch in flight well inside its visibility timeout.
    maxRunMs: has("pollIntervalMs") ? 2_000 : 10_000,
    maxSubrequests: 200,
    maxCpuMs: 1_000,
    backoff: { strategy: "fixed", baseDelayMs: 1_000, maxDelayMs: 1_000 },
    deadLetterStream: keys.deadLetters,
    ...(has("ordered") ? { ordered: true, partitionKey: has("partitions") ? undefined : "k" } : {}),
    ...(has("rateLimit") ? { rateLimit: { limit: set.rateLimit, periodMs: RATE_PERIOD_MS } } : {}),
    ...(has("keyConcurrency") ? { keyConcurrency: { field: "k", max: set.keyMax } } : {}),
    ...(has("delays") ? { delays: true } : {}),
    ...(has("noAck") ? { noAck: true } : {}),
    ...(has("retention") ? { retention: { maxLen: 0 } } : {}),
    ...(has("maxParallelRuns") ? { maxParallelRuns: 3 } : {}),
    ...(has("pollIntervalMs") ? { pollIntervalMs: 1_000 } : {}),
    ...visibilityAndBodies(set),
    ...(has("lanes") ? { lanes: LANES } : {}),
  };
}

/** An attempt may be extended to twice its handler timeout: within `maxRunMs` in every case, polling ones too. */
export const MAX_HANDLER_MS = 2 * HANDLER_TIMEOUT_MS;

/** `maxHandlerMs`: slow handlers ask for more time (`ctx.extendVisibility`), and each batch keeps its heartbeat. */
function visibilityAndBodies(set: OptionSet): Partial<FunctionOptions> {
  return set.features.includes("maxHandlerMs") ? { maxHandlerMs: MAX_HANDLER_MS } : {};
}

/**
 * The stream entry of message `n`: flat fields, or with `payload: "json"` a
 * JSON body holding the behaviour (so a handler that misread the body would
 * misbehave) beside `n` and `k` as headers (routing, ordering and key limits
 * read the key from the entry; the ledger and history read `n`).
 */
export function messageFields(set: OptionSet, n: number, behaviour: Behaviour, key: string | undefined): Record<string, string> {
  const k: Record<string, string> = key === undefined ? {} : { k: key };
  if (!set.features.includes("payload")) return { n: String(n), b: behaviour, ...k };
  return { n: String(n), ...k, body: JSON.stringify({ n, b: behaviour, detail: { unicode: "Zürich ✓", list: [1, 2.5, null] } }) };
}

/** What a message asks its handler to do, from its fields or its JSON body. */
function behaviourOf(m: Message): Behaviour {
  const body = m.body as unknown as { n?: unknown; b?: unknown } | undefined;
  if (body && typeof body.n === "number") {
    if (body.n !== Number(m.fields.n)) throw new PermanentError(`body n ${String(body.n)} does not match header n ${m.fields.n}`);
    return body.b as Behaviour;
  }
  return (m.fields.b ?? "ok") as Behaviour;
}

/** Redis's own delivery count of a pending entry (`XPENDING`), or undefined when it is not pending. */
export type DeliveryProbe = (stream: string, group: string, id: string) => Promise<number | undefined>;

/** Changes a case's options before they are defined (merged mode leaves the budgets to the invocation). */
export type Tune = (o: Partial<FunctionOptions>) => Partial<FunctionOptions>;

/** One list of functions per group: the function itself, or its partition members. Throws ConfigError for a refused set. */
export function buildFunctions(set: OptionSet, keys: CaseKeys, history: History, probe: DeliveryProbe, tune: Tune = (o) => o): PollingFunction[][] {
  const has = (f: string) => set.features.includes(f as never);
  const longRetries = has("delays");
  return Array.from({ length: set.groups }, (_, g) => {
    const group = `g${g}`;
    async function act(m: Message, effects: HandlerContext["effects"], extend?: (ms: number) => number): Promise<Verdict> {
      await unlessEvicted();
      const call = history.begin(group, m);
      const forget = endOnEviction(() => history.end(call));
      try {
        // What Redis counted, read while the handler holds the message: the truth `attempt` must match.
        if (!has("noAck")) call.deliveries = ((await probe(m.stream, group, m.id)) ?? 0) + (m.priorDeliveries ?? 0);
        const b = has("payload") ? behaviourOf(m) : ((m.fields.b ?? "ok") as Behaviour);
        const v = verdict(b, m.attempt, longRetries);
        if (b === "slow" && extend) extend(HANDLER_TIMEOUT_MS);
        if (b === "slow") await sleep(SLOW_MS);
        if (v.kind === "ack") effects.xadd(keys.ledger, { g: group, n: m.fields.n!, k: m.fields.k ?? "", id: m.id, a: String(m.attempt) });
        call.verdict = v.kind;
        return v;
      } finally {
        forget();
        history.end(call);
      }
    }
    const handlers = has("handleBatch")
      ? {
          handleBatch: async (messages: BatchMessage[]) => {
            await Promise.all(
              messages.map(async (m) => {
                const v = await act(m, m.effects);
                if (v.kind === "fail") m.retry();
                else if (v.kind === "permanent") m.deadLetter("permanent");
                else if (v.kind === "retry") m.retry({ delayMs: v.delayMs });
              }),
            );
          },
        }
      : {
          handle: async (m: Message, ctx: HandlerContext) => {
            const v = await act(m, ctx.effects, has("maxHandlerMs") ? (ms) => ctx.extendVisibility(ms) : undefined);
            if (v.kind === "fail") throw new Error("fails");
            if (v.kind === "permanent") throw new PermanentError("permanent");
            if (v.kind === "retry") throw new RetryError("later", { delayMs: v.delayMs });
          },
        };
    const fn = definePollingFunction({
      name: `pbt-${keys.id}-${group}`,
      stream: keys.stream,
      group,
      crons: ["* * * * *"],
      ...handlers,
      ...(has("schema") ? { schema } : {}),
      ...(has("payload") ? { payload: "json" as const } : {}),
      ...(has("partitions") ? { partitions: { count: PARTITIONS, key: "k" } } : {}),
      options: tune(options(set, keys)),
    });
    return expandPartitions([fn]);
  });
}

export { RATE_PERIOD_MS };
