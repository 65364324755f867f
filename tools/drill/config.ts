/**
 * What a drill does, with its defaults: the workload, the faults, the
 * overlapping runs, and the Worker's vars that make 10,000 messages drain
 * in minutes instead of hours (1 ms provider latency, second-scale
 * timeouts, a Paid-plan subrequest budget).
 */
import type { FunctionOptions } from "../../src/core/define/options.js";
import { resolveOptions } from "../../src/core/define/define.js";
import { LEDGER_STREAM, payments } from "../../src/functions/payments.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../../src/dev/stack/stack.js";
import type { StoreKind } from "../../src/dev/stack/store.js";
import type { Mix } from "./workload.js";
import { DEFAULT_MIX } from "./workload.js";

export const STREAM = payments.stream;
export const GROUP = payments.group;
export const FUNCTION = payments.name;
export const LEDGER = LEDGER_STREAM;
export const DLQ = payments.options.deadLetterStream ?? `${payments.stream}:dlq`;

/**
 * The Worker's vars for a drill. Validation needs visibilityTimeoutMs ≥
 * handlerTimeoutMs × ceil(batchSize / concurrency) + 5000: 1000 × 1 + 5000.
 */
export const DRILL_VARS: Readonly<Record<string, string>> = {
  PAYMENTS_LATENCY_MS: "1",
  // Every attempt the handler sees, in the Worker's log: the accounting checks dead letters' deliveries against them.
  PAYMENTS_LOG_ATTEMPTS: "1",
  FN_PAYMENTS_HANDLER_TIMEOUT_MS: "1000",
  FN_PAYMENTS_VISIBILITY_TIMEOUT_MS: "6000",
  FN_PAYMENTS_BATCH_SIZE: "50",
  FN_PAYMENTS_CONCURRENCY: "50",
  FN_PAYMENTS_BACKOFF_BASE_DELAY_MS: "200",
  FN_PAYMENTS_BACKOFF_MAX_DELAY_MS: "1000",
  FN_PAYMENTS_MAX_SUBREQUESTS: "1000",
  FN_PAYMENTS_MAX_RUN_MS: "10000",
  FN_PAYMENTS_MAX_MESSAGES: "2000",
  FN_PAYMENTS_MAX_DELIVERIES: "5",
};

export interface DrillConfig {
  messages: number;
  seed: number;
  mix: Mix;
  /** Messages per enqueue POST (one Idempotency-Key each). */
  batch: number;
  /** Share of enqueue batches sent with `notBefore` 1 to 30 s ahead (delayed.ts); turns on FN_PAYMENTS_DELAYS. */
  delayed: number;
  /** Enqueue POSTs in flight at once. */
  producers: number;
  /** Worker crashes (SIGKILL to its process group, then a restart). */
  kills: number;
  /** Share of bridge requests that fail: 503, drop before, drop after. */
  faultRate: number;
  /** Every cron every this many seconds (the cron driver). */
  cronEvery: number;
  /** Lanes of back-to-back `POST /functions/payments/run`; 0 for none. */
  manualLanes: number;
  manualEveryMs: number;
  /** Overlap mode: runs fired per second without waiting for any, cron and manual alternating; 0 for off. */
  overlap: number;
  /** Overlap mode: manual runs unanswered beyond which a manual fire is skipped. */
  overlapInFlight: number;
  /** Overlap mode: after the firing stops, every run counts as finished once nothing changed for this long. */
  quietS: number;
  /** Faults stop once this share of the messages has settled (and the producer and the kills are done). */
  faultsUntil: number;
  faultTimeoutS: number;
  drainTimeoutS: number;
  store: StoreKind;
  redisUrl: string | undefined;
  /** The Worker's vars: DRILL_VARS with `--var` overrides. */
  vars: Record<string, string>;
  /** Where the JSON and the Worker's log go. */
  outDir: string;
}

export const DEFAULTS: Omit<DrillConfig, "seed" | "store" | "redisUrl" | "vars" | "outDir"> = {
  messages: 10_000,
  mix: DEFAULT_MIX,
  batch: 100,
  delayed: 0,
  producers: 4,
  kills: 5,
  faultRate: 0.05,
  cronEvery: 1,
  manualLanes: 2,
  manualEveryMs: 200,
  overlap: 0,
  overlapInFlight: 12,
  quietS: 4,
  faultsUntil: 0.9,
  faultTimeoutS: 900,
  drainTimeoutS: 300,
};

/** The options the Worker will run `payments` with; throws `ConfigError` naming a bad `--var`. */
/** The local stack's overrides (package.json `cronsumer.devVars`), which the drill's own vars win over. */
const DEV_VARS = (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { cronsumer?: { devVars?: Record<string, string> } }).cronsumer?.devVars;
export const effectiveOptions = (c: DrillConfig): FunctionOptions => resolveOptions(payments, { ...DEV_VARS, ...c.vars }, 1);

/** The consumer names runs may use: `payments-0 … payments-(pool−1)`. */
export const consumerPool = (o: FunctionOptions): string[] => Array.from({ length: o.consumerPoolSize }, (_, i) => `${FUNCTION}-${i}`);
