/**
 * A polling function's options: defaults, validation and per-deployment
 * overrides. Every check names the option it rejects, and impossible
 * combinations are refused at start-up rather than discovered as duplicate
 * deliveries in production.
 */
import { estimateCpuUs } from "./cpu-estimate.js";
import { checkVisibility, extensionsPerBatch } from "./visibility-limits.js";
import { ConfigError } from "../redis/errors.js";
import { laneStreams, resolveLanes, validateLanes, type LaneOptions, type Lanes } from "./lanes.js";

export interface RateLimit {
  /** Messages per window. */
  limit: number;
  /** The window, in ms. */
  periodMs: number;
}

export interface BackoffOptions {
  /** @default "exponential" */
  strategy: "exponential" | "linear" | "fixed";
  /** Delay before the first retry. @default 1_000 */
  baseDelayMs: number;
  /** Upper bound; must not exceed `visibilityTimeoutMs` (see `backoff.ts`) unless `delays` is on. @default 30_000 */
  maxDelayMs: number;
}

export interface RetentionOptions {
  /**
   * Keep at most this many entries of history, but never trim an entry some
   * group still needs. Without it, every entry all groups are done with is trimmed.
   */
  maxLen?: number;
}

export interface FunctionOptions {
  /** Messages per read. @default 10 */
  batchSize: number;
  /** Handlers running at once. @default 10 */
  concurrency: number;
  /** How long a delivered message may stay unacknowledged before another run reclaims it. @default 60_000 */
  visibilityTimeoutMs: number;
  /** Deliveries before a message is dead-lettered. @default 5 */
  maxDeliveries: number;
  /** The handler's AbortSignal fires after this long, and the attempt counts as failed (later with `ctx.extendVisibility`). @default 15_000 */
  handlerTimeoutMs: number;
  /**
   * Turns on visibility extension (visibility-limits.ts): while a batch is handled, its messages are kept
   * invisible past `visibilityTimeoutMs` (one XCLAIM … JUSTID per batch each half timeout, no delivery
   * charged, fenced against recovery), and `ctx.extendVisibility(ms)` may move an attempt's deadline up
   * to this long after it started. At most `maxRunMs`. @default undefined (off)
   */
  maxHandlerMs: number | undefined;
  backoff: BackoffOptions;
  /** @default `${stream}:dlq` */
  deadLetterStream: string;
  /** Read with NOACK: at-most-once, nothing pending, failures go straight to the dead-letter stream. @default false */
  noAck: boolean;
  /**
   * Where the group starts when a run finds it missing (the first run, or after
   * the stream was deleted): "0" hands over the whole stream, so nothing
   * written before the first run is skipped; "$" skips what is already there.
   * @default "0"
   */
  startId: string;
  /** Stop reading new messages while the group has this many pending (backpressure; Upstash caps a consumer at 1000). @default 250 */
  maxPending: number;
  /** Consumer names used by runs; the bound on consumers the function ever creates. @default 2 */
  consumerPoolSize: number;
  /** Wall-clock budget of one run. @default 25_000 */
  maxRunMs: number;
  /** Subrequests (Redis requests plus handler fetches) one run may make. @default shared share of 50 (Workers Free) */
  maxSubrequests: number;
  /** Messages one run may take. @default 500 */
  maxMessages: number;
  /** Handler fetches each message may make; reserved before a batch is read. @default 0 */
  fetchesPerMessage: number;
  /** Optional trimming after a run that did work. @default undefined (never trim) */
  retention: RetentionOptions | undefined;
  /**
   * Bytes one request to Redis may carry, counted as the JSON body is sent.
   * A larger commit is split into several MULTI/EXECs; see `split-commit.ts`.
   * Upstash refuses requests over 10 MB. @default 8 MiB
   */
  maxRequestBytes: number;
  /**
   * Opt-in faster polling for producers that write to Redis directly: a cron
   * run goes on reading every `pollIntervalMs` while a batch still fits its
   * budget (see run-session.ts). Each idle poll costs 1 request and 2
   * commands. 0 turns it off. @default 0 (off: one poll per cron tick)
   */
  pollIntervalMs: number;
  /**
   * At most `limit` messages handed to the function per `periodMs`, across all
   * its runs at once; messages beyond it are not read (see rate-limit.ts).
   * @default undefined (no limit)
   */
  rateLimit: RateLimit | undefined;
  /**
   * At most `max` messages with the same value of the field `field` handled at
   * once, across all runs; the others wait, uncharged (see key-leases.ts).
   * Messages without the field are not limited. @default undefined (no limit)
   */
  keyConcurrency: KeyConcurrency | undefined;
  /**
   * Delayed messages (delayed.ts): runs promote due ones into the stream with a
   * Lua script sent in place of the first request's XPENDING (still two
   * commands), the API and the producer accept `delayMs`/`notBefore` for the
   * stream, and a retry delay longer than `visibilityTimeoutMs` parks the
   * message in the delayed set with its ack. Off by default: it needs EVAL,
   * and Upstash bills and locks scripts in ways it does not document fully. @default false
   */
  delays: boolean;
  /**
   * CPU one run may take, in ms, planned from an estimate (cpu-estimate.ts):
   * a Worker cannot read its own CPU time. Workers Free allows 10 ms per
   * invocation, shared by the functions on one cron; Paid allows 30_000 by default.
   * @default 10 ÷ functions on the same cron
   */
  maxCpuMs: number;
  /**
   * Messages with the same key (`partitionKey`) are handled one at a time, in
   * enqueue order, across retries, crashes and overlapping runs; a failing
   * message holds back only its key. One run at a time consumes the stream
   * (a lease), and a run start costs one EVAL; see ordered/. Needs Lua (Redis or Upstash). @default false
   */
  ordered: boolean;
  /** The field naming a message's key for `ordered`; without it the whole stream is one key (FIFO). @default undefined */
  partitionKey: string | undefined;
  /**
   * Runs one cron tick may have going at once for this function. When the
   * tick's first read comes back full (more backlog than it asked for), it
   * starts up to `maxParallelRuns − 1` drainers, each a Durable Object
   * request with budgets of its own (see functions/fan-out.ts). @default 1 (no fan-out)
   */
  maxParallelRuns: number;
  /**
   * Priority lanes (lanes.ts): the function reads several streams, highest
   * first, in one request, sharing each batch by weight. The default lane is
   * `stream` itself; the others are `<stream>:lane:<name>`. @default undefined (one stream)
   */
  lanes: LaneOptions | undefined;
}

/** A function's lanes with their defaults filled in, or undefined when it reads one stream. */
export const lanesOf = (o: Pick<FunctionOptions, "lanes">): Lanes | undefined => (o.lanes === undefined ? undefined : resolveLanes(o.lanes));

/** The streams a function on `stream` reads, highest lane first: its lanes' streams, or `stream` alone. */
export function streamsRead(stream: string, o: Pick<FunctionOptions, "lanes">): string[] {
  const lanes = lanesOf(o);
  return lanes ? laneStreams(stream, lanes) : [stream];
}

export interface KeyConcurrency {
  field: string;
  max: number;
}

/** Workers Paid allows up to 5 minutes of CPU per invocation (`limits.cpu_ms`). */
const MAX_CPU_MS = 300_000;
/** The longest delay cronsumer accepts: 365 days, like QStash. */
export const MAX_DELAY_MS = 365 * 24 * 3_600_000;

export { VISIBILITY_MARGIN_MS } from "./visibility-limits.js";
/** Upstash refuses XREADGROUP past 1000 pending entries per consumer. */
export const UPSTASH_PEL_LIMIT = 1000;
/** Requests retention may take after a run: groups and length, pending floors, the trim. */
export const RETENTION_REQUESTS = 3;
/** A batch's key leases take a request of their own (features/run/key-concurrency.ts). */
export const KEY_LEASE_REQUESTS = 1;
/** A rate-limited run's first request only reserves tokens and checks the gates; the batch is read by the next (features/run/rate.ts). */
export const RATE_FIRST_REQUESTS = 1;
/** A recovery claim: the XPENDING listing and XAUTOCLAIM in one request (run/fetch.ts `recoverOps`). */
export const RECOVERY_REQUESTS = 1;
/** Workers Free plan: subrequests per invocation, shared by every function on one cron. */
export const FREE_PLAN_SUBREQUESTS = 50;
/** Polls closer than this would spend a Free plan's 50 subrequests in a few seconds. */
export const MIN_POLL_INTERVAL_MS = 100;
/** Workers Free plan: CPU ms per invocation, shared by every function on one cron. */
export const FREE_PLAN_CPU_MS = 10;
/** Upstash's cap on one request body, read as decimal megabytes to be safe; the bridge's is 10 MiB. */
export const UPSTASH_MAX_REQUEST_BYTES = 10_000_000;

export function defaultOptions(stream: string): FunctionOptions {
  return {
    batchSize: 10,
    concurrency: 10,
    visibilityTimeoutMs: 60_000,
    maxDeliveries: 5,
    handlerTimeoutMs: 15_000,
    maxHandlerMs: undefined,
    backoff: { strategy: "exponential", baseDelayMs: 1_000, maxDelayMs: 30_000 },
    deadLetterStream: `${stream}:dlq`,
    noAck: false,
    startId: "0",
    maxPending: 250,
    consumerPoolSize: 2,
    maxRunMs: 25_000,
    maxSubrequests: FREE_PLAN_SUBREQUESTS,
    maxMessages: 500,
    fetchesPerMessage: 0,
    retention: undefined,
    maxRequestBytes: 8 * 1024 * 1024,
    pollIntervalMs: 0,
    rateLimit: undefined,
    keyConcurrency: undefined,
    delays: false,
    maxCpuMs: FREE_PLAN_CPU_MS,
    ordered: false,
    partitionKey: undefined,
    maxParallelRuns: 1,
    lanes: undefined,
  };
}

type Bounds = { min: number; max: number };
const INTEGER_BOUNDS: Partial<Record<keyof FunctionOptions, Bounds>> = {
  batchSize: { min: 1, max: 500 },
  concurrency: { min: 1, max: 100 },
  visibilityTimeoutMs: { min: 1_000, max: 12 * 3_600_000 },
  maxDeliveries: { min: 1, max: 1_000 },
  handlerTimeoutMs: { min: 1, max: 15 * 60_000 },
  maxPending: { min: 1, max: UPSTASH_PEL_LIMIT },
  consumerPoolSize: { min: 1, max: 64 },
  maxRunMs: { min: 100, max: 15 * 60_000 },
  maxSubrequests: { min: 2, max: 10_000 },
  maxMessages: { min: 1, max: 1_000_000 },
  fetchesPerMessage: { min: 0, max: 100 },
  maxRequestBytes: { min: 64 * 1024, max: UPSTASH_MAX_REQUEST_BYTES },
  pollIntervalMs: { min: 0, max: 60_000 },
  maxParallelRuns: { min: 1, max: 32 },
};

function checkInteger(where: string, name: string, value: unknown, { min, max }: Bounds): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${where}: \`${name}\` must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`);
  }
}

/** Throws `ConfigError` naming the first invalid option or impossible combination. */
export function validateOptions(where: string, o: FunctionOptions): FunctionOptions {
  for (const [name, bounds] of Object.entries(INTEGER_BOUNDS)) {
    checkInteger(where, name, o[name as keyof FunctionOptions], bounds!);
  }
  const b = o.backoff;
  if (!["exponential", "linear", "fixed"].includes(b.strategy)) {
    throw new ConfigError(`${where}: \`backoff.strategy\` must be "exponential", "linear" or "fixed"; got ${JSON.stringify(b.strategy)}`);
  }
  if (typeof o.delays !== "boolean") throw new ConfigError(`${where}: \`delays\` must be a boolean; got ${JSON.stringify(o.delays)}`);
  if (o.ordered && o.delays && b.maxDelayMs > o.visibilityTimeoutMs) {
    throw new ConfigError(
      `${where}: \`ordered\` with \`delays\`: a retry of an ordered function waits pending, holding its key, so \`backoff.maxDelayMs\` (${b.maxDelayMs}) must be at most \`visibilityTimeoutMs\` (${o.visibilityTimeoutMs})`,
    );
  }
  // Past the visibility timeout a retry can only wait in the delayed set, which ordered retries never enter.
  const longestDelay = o.delays && !o.ordered ? MAX_DELAY_MS : o.visibilityTimeoutMs;
  checkInteger(where, "backoff.baseDelayMs", b.baseDelayMs, { min: 0, max: longestDelay });
  checkInteger(where, "backoff.maxDelayMs", b.maxDelayMs, { min: b.baseDelayMs, max: longestDelay });
  if (typeof o.deadLetterStream !== "string" || o.deadLetterStream.length === 0) {
    throw new ConfigError(`${where}: \`deadLetterStream\` must be a non-empty string`);
  }
  if (typeof o.noAck !== "boolean") throw new ConfigError(`${where}: \`noAck\` must be a boolean; got ${JSON.stringify(o.noAck)}`);
  if (!/^(\$|0|\d+(-\d+)?)$/.test(o.startId)) {
    throw new ConfigError(`${where}: \`startId\` must be "$", "0" or a stream id; got ${JSON.stringify(o.startId)}`);
  }
  if (o.pollIntervalMs > 0 && o.pollIntervalMs < MIN_POLL_INTERVAL_MS) {
    throw new ConfigError(`${where}: \`pollIntervalMs\` must be 0 (off) or at least ${MIN_POLL_INTERVAL_MS}; got ${o.pollIntervalMs}`);
  }
  if (o.rateLimit !== undefined) {
    checkInteger(where, "rateLimit.limit", o.rateLimit?.limit, { min: 1, max: 1_000_000 });
    checkInteger(where, "rateLimit.periodMs", o.rateLimit?.periodMs, { min: 100, max: 24 * 3_600_000 });
  }
  if (o.keyConcurrency !== undefined) {
    if (typeof o.keyConcurrency?.field !== "string" || o.keyConcurrency.field.length === 0) throw new ConfigError(`${where}: \`keyConcurrency.field\` must be a non-empty string`);
    checkInteger(where, "keyConcurrency.max", o.keyConcurrency.max, { min: 1, max: 1_000 });
  }
  if (typeof o.maxCpuMs !== "number" || !(o.maxCpuMs > 0 && o.maxCpuMs <= MAX_CPU_MS)) {
    throw new ConfigError(`${where}: \`maxCpuMs\` must be a number from above 0 to ${MAX_CPU_MS}; got ${JSON.stringify(o.maxCpuMs)}`);
  }
  if (typeof o.ordered !== "boolean") throw new ConfigError(`${where}: \`ordered\` must be a boolean; got ${JSON.stringify(o.ordered)}`);
  if (o.partitionKey !== undefined && (typeof o.partitionKey !== "string" || o.partitionKey.length === 0)) {
    throw new ConfigError(`${where}: \`partitionKey\` must be a non-empty field name; got ${JSON.stringify(o.partitionKey)}`);
  }
  if (o.lanes !== undefined) validateLanes(where, o.lanes, o.batchSize);
  if (o.retention?.maxLen !== undefined) checkInteger(where, "retention.maxLen", o.retention.maxLen, { min: 0, max: Number.MAX_SAFE_INTEGER });

  checkVisibility(where, o);
  if (o.maxPending + o.batchSize > UPSTASH_PEL_LIMIT * 0.9) {
    throw new ConfigError(`${where}: \`maxPending\` + \`batchSize\` must stay below ${UPSTASH_PEL_LIMIT * 0.9}, clear of Upstash's ${UPSTASH_PEL_LIMIT}-entry PEL limit per consumer`);
  }
  if (o.maxRunMs < o.handlerTimeoutMs) {
    throw new ConfigError(`${where}: \`maxRunMs\` (${o.maxRunMs}) must be at least \`handlerTimeoutMs\` (${o.handlerTimeoutMs}), or no batch could ever be read`);
  }
  const least = leastToRetry(o);
  if (o.maxSubrequests < least) {
    throw new ConfigError(`${where}: \`maxSubrequests\` (${o.maxSubrequests}) must leave room for ${roomFor(o, "one message's fetches")} (${least})`);
  }
  const leastCpu = estimateCpuUs(least, 1);
  if (o.maxCpuMs * 1_000 < leastCpu) {
    throw new ConfigError(
      `${where}: \`maxCpuMs\` (${o.maxCpuMs}) must leave room for ${roomFor(o, "one message")} (${leastCpu / 1_000} ms by the CPU estimate); ` +
        "on the Free plan, spread functions over more crons, or on Paid set maxCpuMs: 30000",
    );
  }
  return o;
}

/**
 * Subrequests one run needs for one batch of one message: a read, a commit, the message's fetches, and what the
 * features add (retention after the run, a rate limit's first request that reads nothing, a batch's key leases and
 * visibility extensions). The invocation reserves this much for each of its runs (run/share.ts), so a feature's
 * request left out here is a run that can never read its first batch when the pool is tight.
 */
export const leastRequests = (o: FunctionOptions): number =>
  2 + o.fetchesPerMessage + (o.retention ? RETENTION_REQUESTS : 0) + (o.rateLimit ? RATE_FIRST_REQUESTS : 0) + (o.keyConcurrency ? KEY_LEASE_REQUESTS : 0) + extensionsPerBatch(o);

/** CPU one run needs for one batch of one message, by the estimate (cpu-estimate.ts): every request of `leastRequests`. */
export const leastCpuUs = (o: FunctionOptions): number => estimateCpuUs(leastRequests(o), 1);

/**
 * A recovery claim (XPENDING and XAUTOCLAIM, after a first read that found nothing new): validation wants room for
 * it, so that a function can retry. The invocation's reserve does not hold it (run/share.ts): a recovering run beside
 * others waits for one to leave instead (steps/share-wait.ts).
 */
const recoveryRequests = (o: FunctionOptions): number => (o.noAck ? 0 : RECOVERY_REQUESTS);

/** What validation wants of `maxSubrequests` (and, by the estimate, of `maxCpuMs`): one batch, or one recovery claim and its batch. */
export const leastToRetry = (o: FunctionOptions): number => leastRequests(o) + recoveryRequests(o);

/** What `leastToRetry` counts, in words, for the errors that name it: a read, a commit, `message`, and what the options add. */
function roomFor(o: FunctionOptions, message: string): string {
  const extensions = extensionsPerBatch(o);
  const parts = [
    "one read",
    "one commit",
    message,
    o.noAck ? "" : "a recovery claim",
    o.retention ? "retention" : "",
    o.rateLimit ? "the rate limit's first request" : "",
    o.keyConcurrency ? "a batch's key leases" : "",
    extensions > 0 ? `a batch's ${extensions} visibility extensions (maxHandlerMs)` : "",
  ].filter(Boolean);
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}
