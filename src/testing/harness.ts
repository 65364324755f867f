/**
 * `createTestHarness`: a deployment's functions over a store of their own,
 * driven by hand from a test. `enqueue` as a producer would, `run` one run
 * of one function (as `POST /functions/:name/run` does) or `tick` a cron
 * (as the Worker's `scheduled` does, one session per due function), then
 * read what they left: streams (ledgers, effects), the group's pending
 * entries with their delivery counts, dead letters and run reports. Time
 * moves only when the test says (`advance`), and never by sleeping on the
 * in-memory store.
 */
import { retryDelayMs } from "../core/define/backoff.js";
import type { PollingFunction } from "../core/define/define.js";
import { resolveOptions } from "../core/define/define.js";
import { parseDeadLetter, type DeadLetter } from "../core/dead-letters/dead-letter.js";
import { ConfigError } from "../core/redis/errors.js";
import { reportsKey } from "../core/redis/keys.js";
import { lrangeOp } from "../core/redis/list-ops.js";
import { sendPipeline } from "../core/redis/ops.js";
import type { FunctionOptions } from "../core/define/options.js";
import { expandPartitions } from "../core/partitions/partition-members.js";
import type { Fields, PendingEntry, StreamEntry } from "../core/redis/parse-replies.js";
import type { RunReport } from "../core/features/report.js";
import { runFunction } from "../core/run/run.js";
import { runSession } from "../core/run/run-session.js";
import type { Transport } from "../core/redis/transport.js";
import { createProducer, type SendOptions, type Sent } from "../producer/producer.js";
import { testClock } from "./clock.js";
import { readStream, readPending } from "./read.js";
import { openTestStore, type TestStoreKind } from "./store.js";

export interface TestHarnessOptions {
  /** The deployment's functions, as given to `createWorker`. */
  functions: readonly PollingFunction[];
  /** What handlers read as `ctx.env`, and `FN_*` option overrides. @default {} */
  env?: Record<string, string>;
  /** What `ctx.fetch` sends through. @default the global fetch */
  fetch?: typeof fetch;
  /** Where the store is chosen from (`CRONSUMER_TEST_REDIS_URL`, `CRONSUMER_TEST_UPSTASH_URL`). @default process.env */
  storeEnv?: Record<string, string | undefined>;
}

export interface TestHarness {
  /** `memory` (the default), or the real store an environment variable chose. */
  readonly store: TestStoreKind;
  /** The raw transport onto the store, for what the harness does not read for you. */
  readonly transport: Transport;
  /** Unix ms on the harness's clock. */
  now(): number;
  /** Skips `ms` forward. In memory, at once; on a real store, whose clock cannot be moved, by waiting. */
  advance(ms: number): Promise<void>;
  /** Skips past the backoff after a message's `attempt`-th failed delivery (1-based), per the function's options. */
  advancePastBackoff(fn: string, attempt: number): Promise<void>;
  /** Skips past the function's visibility timeout: a delivery whose handler never finished is due again. */
  advancePastVisibilityTimeout(fn: string): Promise<void>;
  /**
   * Skips to the start of the function's next `rateLimit` window (windows are fixed: unix ms / periodMs).
   * A run that finds its window spent waits for the next one only when it starts within its `maxRunMs`,
   * and that wait is a real timer: start a rate-limited test at a window's start.
   */
  advancePastRateWindow(fn: string): Promise<void>;
  /** Enqueues as `createProducer(...).send` does (delays, idempotency keys, batches). */
  enqueue(stream: string, message: Fields | readonly Fields[], options?: SendOptions): Promise<Sent>;
  /** One run of one function, as a manual run; resolves with its report. */
  run(fn: string): Promise<RunReport>;
  /** A cron tick: a session for each function on `cron` (default: each function's first), waiting for due retries on the harness's clock. */
  tick(cron?: string): Promise<RunReport[]>;
  /** The stream's entries, oldest first. */
  entries(stream: string): Promise<StreamEntry[]>;
  /** The function's pending entries: id, consumer, idle time and delivery count. */
  pending(fn: string): Promise<PendingEntry[]>;
  /** The function's dead letters, oldest first. */
  deadLetters(fn: string): Promise<DeadLetter[]>;
  /** The function's stored run reports, newest first. */
  reports(fn: string): Promise<RunReport[]>;
  /** The function's options after defaults and `FN_*` overrides. */
  options(fn: string): FunctionOptions;
  close(): Promise<void>;
}

export async function createTestHarness(options: TestHarnessOptions): Promise<TestHarness> {
  const { env = {}, fetch: fetchFn, storeEnv = process.env } = options;
  const functions = expandPartitions(options.functions);
  if (functions.length === 0) throw new ConfigError("createTestHarness: give at least one function in `functions`");
  const clock = testClock();
  const store = await openTestStore(storeEnv, clock.now);
  const real = store.kind !== "memory";
  const now = real ? Date.now : clock.now;
  const transport = store.transport;
  const producer = createProducer({ transport });
  let slot = 0;

  const find = (name: string): PollingFunction => {
    const fn = functions.find((f) => f.name === name);
    if (!fn) throw new ConfigError(`createTestHarness: no function named ${JSON.stringify(name)} (have ${functions.map((f) => f.name).join(", ")})`);
    return fn;
  };
  const optionsOf = (name: string) => resolveOptions(find(name), env, 1);
  const advance = async (ms: number) => {
    if (real) await new Promise((resolve) => setTimeout(resolve, ms));
    else clock.advance(ms);
  };
  const deps = (trigger: RunReport["trigger"]) => ({ transport, vars: env, trigger, slot: slot++, now, functions, ...(fetchFn ? { fetch: fetchFn } : {}) });

  return {
    store: store.kind,
    transport,
    now,
    advance,
    // +1: the sweep claims entries idle for at least the timeout, measured on the store's clock.
    advancePastBackoff: (fn, attempt) => {
      const o = optionsOf(fn);
      return advance(Math.min(o.visibilityTimeoutMs, retryDelayMs(o.backoff, attempt)) + 1);
    },
    advancePastVisibilityTimeout: (fn) => advance(optionsOf(fn).visibilityTimeoutMs + 1),
    advancePastRateWindow: (fn) => {
      const rate = optionsOf(fn).rateLimit;
      if (!rate) throw new ConfigError(`createTestHarness: ${fn} has no rateLimit`);
      return advance(rate.periodMs - (now() % rate.periodMs));
    },
    enqueue: (stream, message, sendOptions) => producer.send(stream, message, sendOptions),
    run: async (fn) => runFunction(find(fn), deps("manual")),
    async tick(cron) {
      const due = cron === undefined ? functions.filter((f) => f.crons[0] !== undefined) : functions.filter((f) => f.crons.includes(cron));
      const sleep = async (ms: number) => advance(ms);
      return Promise.all(due.map((f) => runSession(f, { ...deps("cron"), sharers: due.length }, { poll: true, sleep })));
    },
    entries: (stream) => readStream(transport, stream),
    async pending(fn) {
      const { stream, group } = find(fn);
      return readPending(transport, stream, group);
    },
    async deadLetters(fn) {
      return (await readStream(transport, optionsOf(fn).deadLetterStream)).flatMap((e) => parseDeadLetter(e) ?? []);
    },
    async reports(fn) {
      const [raw] = await sendPipeline(transport, [lrangeOp(reportsKey(find(fn).name), 0, -1)] as const);
      return raw.map((text) => JSON.parse(text) as RunReport);
    },
    options: optionsOf,
    close: () => store.close(),
  };
}

