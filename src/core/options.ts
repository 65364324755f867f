/**
 * A polling function's options: defaults, validation and per-deployment
 * overrides. Every check names the option it rejects, and impossible
 * combinations are refused at start-up rather than discovered as duplicate
 * deliveries in production.
 */
import { ConfigError } from "./errors.js";

export interface BackoffOptions {
  /** @default "exponential" */
  strategy: "exponential" | "linear" | "fixed";
  /** Delay before the first retry. @default 1_000 */
  baseDelayMs: number;
  /** Upper bound; must not exceed `visibilityTimeoutMs` (see `backoff.ts`). @default 30_000 */
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
  /** The handler's AbortSignal fires after this long, and the attempt counts as failed. @default 15_000 */
  handlerTimeoutMs: number;
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
}

/** Time a batch may take beyond its handlers: the commit request and clock slack. */
export const VISIBILITY_MARGIN_MS = 5_000;
/** Upstash refuses XREADGROUP past 1000 pending entries per consumer. */
export const UPSTASH_PEL_LIMIT = 1000;
/** Requests retention may take after a run: groups and length, pending floors, the trim. */
export const RETENTION_REQUESTS = 3;
/** Workers Free plan: subrequests per invocation, shared by every function on one cron. */
export const FREE_PLAN_SUBREQUESTS = 50;
/** Upstash's cap on one request body, read as decimal megabytes to be safe; the bridge's is 10 MiB. */
export const UPSTASH_MAX_REQUEST_BYTES = 10_000_000;

export function defaultOptions(stream: string): FunctionOptions {
  return {
    batchSize: 10,
    concurrency: 10,
    visibilityTimeoutMs: 60_000,
    maxDeliveries: 5,
    handlerTimeoutMs: 15_000,
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
    ordered: false,
    partitionKey: undefined,
    maxParallelRuns: 1,
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
  checkInteger(where, "backoff.baseDelayMs", b.baseDelayMs, { min: 0, max: o.visibilityTimeoutMs });
  checkInteger(where, "backoff.maxDelayMs", b.maxDelayMs, { min: b.baseDelayMs, max: o.visibilityTimeoutMs });
  if (typeof o.deadLetterStream !== "string" || o.deadLetterStream.length === 0) {
    throw new ConfigError(`${where}: \`deadLetterStream\` must be a non-empty string`);
  }
  if (typeof o.noAck !== "boolean") throw new ConfigError(`${where}: \`noAck\` must be a boolean; got ${JSON.stringify(o.noAck)}`);
  if (!/^(\$|0|\d+(-\d+)?)$/.test(o.startId)) {
    throw new ConfigError(`${where}: \`startId\` must be "$", "0" or a stream id; got ${JSON.stringify(o.startId)}`);
  }
  if (typeof o.ordered !== "boolean") throw new ConfigError(`${where}: \`ordered\` must be a boolean; got ${JSON.stringify(o.ordered)}`);
  if (o.partitionKey !== undefined && (typeof o.partitionKey !== "string" || o.partitionKey.length === 0)) {
    throw new ConfigError(`${where}: \`partitionKey\` must be a non-empty field name; got ${JSON.stringify(o.partitionKey)}`);
  }
  if (o.ordered && o.maxParallelRuns > 1) {
    throw new ConfigError(`${where}: \`ordered\` lets one run consume at a time, so \`maxParallelRuns\` above 1 would only start runs that find the stream leased`);
  }
  if (o.ordered && o.noAck) throw new ConfigError(`${where}: \`ordered\` needs acknowledgements; it cannot be combined with \`noAck\``);
  if (o.retention?.maxLen !== undefined) checkInteger(where, "retention.maxLen", o.retention.maxLen, { min: 0, max: Number.MAX_SAFE_INTEGER });

  // A batch must be finished, committed and acknowledged before any other run
  // may reclaim it, or an overlapping run would hand the same message to a second handler.
  const longestBatchMs = o.handlerTimeoutMs * Math.ceil(o.batchSize / o.concurrency) + VISIBILITY_MARGIN_MS;
  if (o.visibilityTimeoutMs < longestBatchMs) {
    throw new ConfigError(
      `${where}: \`visibilityTimeoutMs\` (${o.visibilityTimeoutMs}) must be at least handlerTimeoutMs × ceil(batchSize / concurrency) + ${VISIBILITY_MARGIN_MS} ms = ${longestBatchMs}, ` +
        "or a run could reclaim messages another run is still handling",
    );
  }
  if (o.maxPending + o.batchSize > UPSTASH_PEL_LIMIT * 0.9) {
    throw new ConfigError(`${where}: \`maxPending\` + \`batchSize\` must stay below ${UPSTASH_PEL_LIMIT * 0.9}, clear of Upstash's ${UPSTASH_PEL_LIMIT}-entry PEL limit per consumer`);
  }
  if (o.maxRunMs < o.handlerTimeoutMs) {
    throw new ConfigError(`${where}: \`maxRunMs\` (${o.maxRunMs}) must be at least \`handlerTimeoutMs\` (${o.handlerTimeoutMs}), or no batch could ever be read`);
  }
  const least = 2 + o.fetchesPerMessage + (o.retention ? RETENTION_REQUESTS : 0);
  if (o.maxSubrequests < least) {
    throw new ConfigError(
      `${where}: \`maxSubrequests\` (${o.maxSubrequests}) must leave room for one read, one commit, one message's fetches${o.retention ? " and retention" : ""} (${least})`,
    );
  }
  return o;
}
