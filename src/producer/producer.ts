/**
 * `createProducer`: enqueue from code that is not the HTTP API (another
 * Worker, a Node service, a script), with exactly the API's rules: the same
 * validation of every field, the same one-request writes, and the same
 * `Idempotency-Key` guarantee (a repeat within 24 h writes nothing and
 * answers the original ids). It shares the API's modules, so the two cannot
 * drift apart; that includes routing a partitioned stream's messages
 * (`partitions` option, api/partitioned-enqueue.ts) and choosing a priority
 * lane (`lanes` option, api/lane-target.ts).
 */
import { Redis } from "@upstash/redis";
import { checkDelayedFields, dueAtOf, parseDelay } from "../api/delay.js";
import { enqueue } from "../api/enqueue.js";
import { requestMessages } from "../api/body-envelope.js";
import { ApiError } from "../api/errors.js";
import { IDEMPOTENCY_KEY, enqueueOnce } from "../api/idempotency.js";
import { splitByPartition, writeToPartitionRefused } from "../api/partition-split.js";
import { enqueuePartitioned } from "../api/partitioned-enqueue.js";
import { laneOf } from "../api/lane-target.js";
import type { LaneOptions, Lanes } from "../core/define/lanes.js";
import { MAX_LANES, validateLanes } from "../core/define/lanes.js";
import type { Payload } from "../core/define/payload.js";
import { ConfigError } from "../core/redis/errors.js";
import type { Fields } from "../core/redis/parse-replies.js";
import type { Partitions } from "../core/define/partitions.js";
import { parsePartitionKey, partitionStream, validatePartitions } from "../core/define/partitions.js";
import { routedPartitions } from "../core/partitions/routed-transport.js";
import type { Transport } from "../core/redis/transport.js";
import { upstashTransport } from "../core/redis/upstash-transport.js";

/** A message the API would refuse; `code` and `status` are the ones the API answers. */
export class EnqueueError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "EnqueueError";
  }
}

interface CommonOptions {
  maxMessageBytes?: number;
  /**
   * Partitioned logical streams, each with its function's `partitions`: `send(logical, …)` routes
   * each message by its key field to its partition stream, exactly as the API does. Give the same
   * spec as the function's definition, or messages land in partitions no member reads in order.
   */
  partitions?: Record<string, Partitions>;
  /**
   * Streams whose functions have priority lanes, each with its function's `lanes`: `send(stream, …, { priority })`
   * writes to that lane's stream by the API's rule. A `priority` on a stream not listed here is refused rather
   * than guessed: the default lane is the stream itself, and a guess could write to a stream no function reads.
   */
  lanes?: Record<string, LaneOptions>;
}

export type ProducerOptions =
  | ({ transport: Transport } & CommonOptions)
  /** An Upstash REST endpoint (or the bridge). Keep the token in a secret or an environment variable. */
  | ({ url: string; token: string } & CommonOptions);

export interface SendOptions {
  /** 1 to 200 printable ASCII characters: a repeat within 24 h on this stream writes nothing and answers the first ids. */
  idempotencyKey?: string;
  /** `XADD … MAXLEN ~ n`: may drop messages no group has processed yet. */
  maxlen?: number;
  /**
   * Hold the messages this long (ms, up to 365 days) before they enter the stream: they wait in its
   * delayed set, and a run of a function with `delays: true` moves them in once due. Not with `maxlen`.
   */
  delayMs?: number;
  /** Hold the messages until this unix time (ms); not with `delayMs`. */
  notBefore?: number;
  /** A lane of the stream's function (needs the stream in the producer's `lanes`): the messages go to its stream. @default the default lane: the stream itself */
  priority?: string;
}

export interface Sent {
  /** The entries' ids, in the order sent; for a delayed send, their delayed ids. */
  ids: string[];
  /** A delayed send only: when the messages enter the stream (unix ms), as this process's clock estimates it; a relative delay is counted on the Redis clock. */
  dueAt?: number;
  /** False when an `idempotencyKey` repeat was answered from its record and nothing was written. */
  created: boolean;
  /** A partitioned stream only: per message, parallel to `ids`, the partition stream it was written to. */
  streams?: string[];
}

/** One message for a function with `payload: "json"`: any JSON value, and optional string headers. */
export interface BodyMessage {
  body: unknown;
  headers?: Fields;
}

export interface Producer {
  /** One message (an object of string fields) or a batch of up to 500, in one request. */
  send(stream: string, message: Fields | readonly Fields[], options?: SendOptions): Promise<Sent>;
  /** One JSON body, for a stream whose function has `payload: "json"`: stored as one JSON field, beside `headers`. */
  sendBody(stream: string, body: unknown, options?: SendOptions & { headers?: Fields }): Promise<Sent>;
  /** Up to 500 JSON bodies in one request, all or nothing. */
  sendBodies(stream: string, messages: readonly BodyMessage[], options?: SendOptions): Promise<Sent>;
}

export function createProducer(options: ProducerOptions): Producer {
  const maxMessageBytes = options.maxMessageBytes ?? 65_536;
  const partitions = partitionsOption(options.partitions);
  const lanes = lanesOption(options.lanes);
  const spread = [...partitions].find(([, p]) => p.databases > 1);
  // One url reaches one database: partitions living in the others would get messages their members never read.
  if (spread && !("transport" in options)) {
    throw new ConfigError(`createProducer: partitions[${JSON.stringify(spread[0])}] spans ${spread[1].databases} databases; pass \`transport: routedTransport(...)\` over them instead of \`url\` and \`token\``);
  }
  const transport = "transport" in options ? options.transport : fromUrl(options.url, options.token);
  for (const [logical, spec] of partitions) if (spec.databases > 1) refuseUnrouted(transport, logical, spec);
  const write = (stream: string, payload: Payload, raw: unknown, { idempotencyKey, maxlen, delayMs, notBefore, priority }: SendOptions = {}) =>
    asEnqueueError(async (): Promise<Sent> => {
      const now = Date.now();
      const delay = parseDelay(delayMs, notBefore, maxlen, now);
      const messages = validate(stream, payload, raw, maxMessageBytes, idempotencyKey, maxlen);
      refuseIfPartition(stream, partitions);
      if (priority !== undefined && !lanes.has(stream)) {
        throw new ApiError(400, "no_lanes", `${JSON.stringify(stream)} has no lanes this producer knows of: give createProducer \`lanes: { ${JSON.stringify(stream)}: <its function's lanes> }\` to send with \`priority\``);
      }
      const lane = laneOf(stream, lanes.get(stream), priority);
      if (delay) checkDelayedFields(messages);
      const dueAt = delay && dueAtOf(delay, now);
      const request = { stream, lane, messages, maxlen, delay, dueAt };
      const extra = dueAt === undefined ? {} : { dueAt };
      const spec = partitions.get(stream);
      if (spec) {
        const parts = splitByPartition(stream, spec, messages, Array.isArray(raw));
        const { created, ids, streams } = await enqueuePartitioned(transport, request, spec, parts, idempotencyKey);
        return { ids, streams, created, ...(created ? extra : {}) };
      }
      if (idempotencyKey === undefined) return { ids: await enqueue(transport, request), created: true, ...extra };
      const sent = await enqueueOnce(transport, request, idempotencyKey);
      return sent.created ? { ...sent, ...extra } : sent;
    });
  return {
    send: (stream, message, options) => write(stream, "fields", message, options),
    sendBody: (stream, body, { headers, ...options } = {}) => write(stream, "json", headers === undefined ? { body } : { body, headers }, options),
    sendBodies: (stream, messages, options) => write(stream, "json", Array.isArray(messages) ? messages.map(bodyMessage) : messages, options),
  };
}

/** Only the two keys a body message has: anything else the caller added is not sent. */
const bodyMessage = (m: BodyMessage): unknown => (m !== null && typeof m === "object" ? { body: m.body, ...(m.headers === undefined ? {} : { headers: m.headers }) } : m);

/** The API's errors, without its HTTP types: same code, same status, same message. */
async function asEnqueueError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw new EnqueueError(error.code, error.status, error.message);
    throw error;
  }
}

function validate(stream: unknown, payload: Payload, raw: unknown, maxMessageBytes: number, key: string | undefined, maxlen: number | undefined): Fields[] {
  if (typeof stream !== "string" || stream.length === 0) throw new ApiError(400, "invalid_stream", "`stream` must be a non-empty string");
  if (key !== undefined && (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key))) throw new ApiError(400, "invalid_idempotency_key", "idempotencyKey must be 1 to 200 printable ASCII characters");
  if (maxlen !== undefined && (!Number.isSafeInteger(maxlen) || maxlen < 1)) throw new ApiError(400, "invalid_request", `maxlen must be a positive integer; got ${maxlen}`);
  return requestMessages(raw, payload, maxMessageBytes);
}

function partitionsOption(given: Record<string, Partitions> | undefined): Map<string, Required<Partitions>> {
  if (given === undefined) return new Map();
  if (typeof given !== "object" || given === null) throw new ConfigError("createProducer: `partitions` must be an object of logical stream → { count, key, databases? }");
  return new Map(Object.entries(given).map(([logical, p]) => [logical, validatePartitions(`createProducer: partitions[${JSON.stringify(logical)}]`, logical, p)]));
}

function lanesOption(given: Record<string, LaneOptions> | undefined): Map<string, Lanes> {
  if (given === undefined) return new Map();
  if (typeof given !== "object" || given === null) throw new ConfigError("createProducer: `lanes` must be an object of stream → { names, weights?, default? }");
  // A producer's batch is any size, so the check that a batch reaches every lane is met by the most lanes there can be.
  return new Map(Object.entries(given).map(([stream, l]) => [stream, validateLanes(`createProducer: lanes[${JSON.stringify(stream)}]`, l, MAX_LANES)]));
}

/** The API's 400 for a partition stream of a configured logical stream: only routing keeps a key's order. */
function refuseIfPartition(stream: string, partitions: ReadonlyMap<string, Required<Partitions>>): void {
  const tag = parsePartitionKey(stream);
  const spec = tag && partitions.get(tag.logical);
  if (tag && spec && tag.index < spec.count && stream === partitionStream(tag.logical, tag.index)) throw writeToPartitionRefused(stream, tag.logical, tag.index);
}

/**
 * Partitions over several databases need a transport that knows where each
 * lives: `routedTransport` over the partitioned function. Any other transport,
 * or one built without that function, sends every partition to one database,
 * where members of the others never read; a different spec routes keys to
 * partitions other than the members expect.
 */
function refuseUnrouted(transport: Transport, logical: string, spec: Required<Partitions>): void {
  const where = `createProducer: partitions[${JSON.stringify(logical)}] spans ${spec.databases} databases`;
  const known = routedPartitions(transport)?.get(logical);
  if (!known) {
    throw new ConfigError(`${where}, but \`transport\` cannot locate its partitions: pass \`routedTransport(databases, functions)\` with the function partitioned on ${JSON.stringify(logical)} among \`functions\``);
  }
  if (known.count !== spec.count || known.key !== spec.key || known.databases !== spec.databases) {
    throw new ConfigError(`${where} as ${JSON.stringify(spec)}, but the function behind \`transport\` partitions it as ${JSON.stringify(known)}: give the function's own spec`);
  }
}

function fromUrl(url: string, token: string): Transport {
  if (!url || !token) throw new ConfigError("createProducer: give `url` and `token`, or a `transport`");
  // No client retries: a retried write without an idempotencyKey could land twice.
  return upstashTransport(new Redis({ url, token, retry: { retries: 0 }, automaticDeserialization: false, enableTelemetry: false }));
}
