/**
 * `queuesConsumer`: runs an unchanged Cloudflare Queues consumer,
 * `async queue(batch, env, ctx)`, as a polling function over a Redis
 * stream. It is a `handleBatch` function with JSON bodies
 * (`payload: "json"`), whose batch handler hands the consumer a batch with
 * Queues' shape and meaning (developers.cloudflare.com/queues/configuration/batching-retries):
 *
 * - `msg.ack()` / `msg.retry({ delaySeconds })` settle one message, and the
 *   first call wins; `batch.ackAll()` / `batch.retryAll({ delaySeconds })`
 *   settle only what no per-message call settled (whole-batch.ts).
 * - Returning acknowledges what is unsettled; throwing retries it after
 *   `retryDelaySeconds` (Queues' `retry_delay`), as a retry without a delay does.
 * - `msg.attempts` starts at 1; after `maxRetries` retries (Queues'
 *   `max_retries`, default 3) the next failure dead-letters the message.
 * - `ctx.waitUntil` work is awaited before the batch is acknowledged, so it
 *   finishes inside the handler's time; Queues lets it run after.
 */
import type { BatchContext, BatchMessage, PollingFunction } from "../core/define/define.js";
import { definePollingFunction } from "../core/define/define.js";
import type { FunctionOptions } from "../core/define/options.js";
import { ConfigError } from "../core/redis/errors.js";
import type { QueuesBatch, QueuesContext, QueuesMessage, QueuesRetryOptions } from "./types.js";

export type { QueuesBatch, QueuesContext, QueuesMessage, QueuesRetryOptions } from "./types.js";

export interface QueuesConsumerDefinition<Body = unknown, Env = unknown> {
  /** The polling function's name (lower-case letters, digits, dashes). */
  name: string;
  /** The stream that stands in for the queue; `batch.queue` is its name. */
  stream: string;
  /** @default "queues-consumer" */
  group?: string;
  crons: string[];
  /** The Queues consumer, unchanged: `worker.queue` of `export default { async queue(batch, env, ctx) { … } }`. */
  queue(batch: QueuesBatch<Body>, env: Env, ctx: QueuesContext): void | Promise<void>;
  /** Queues' `max_retries`: deliveries are `maxRetries + 1`, then the dead-letter stream. @default 3 */
  maxRetries?: number;
  /** Queues' `retry_delay`: the delay of a retry without `delaySeconds`, and of a batch that threw. @default 0 */
  retryDelaySeconds?: number;
  /** Queues' `max_batch_size`. @default 10 */
  maxBatchSize?: number;
  /**
   * Any other option of a polling function. `delays` defaults to true here, as Queues delays
   * sends and retries (up to 365 days here) without asking: it needs Lua (Redis or Upstash).
   */
  options?: Partial<FunctionOptions>;
  description?: string;
}

const whole = (name: string, v: unknown, min: number) => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) throw new ConfigError(`queuesConsumer: \`${name}\` must be a whole number ≥ ${min}; got ${String(v)}`);
  return v;
};

export function queuesConsumer<Body = unknown, Env = unknown>(def: QueuesConsumerDefinition<Body, Env>): PollingFunction {
  if (typeof def.queue !== "function") throw new ConfigError("queuesConsumer: `queue` must be the consumer's `async queue(batch, env, ctx)`");
  const maxRetries = whole("maxRetries", def.maxRetries ?? 3, 0);
  const retryDelayMs = whole("retryDelaySeconds", def.retryDelaySeconds ?? 0, 0) * 1_000;
  const batchSize = whole("maxBatchSize", def.maxBatchSize ?? 10, 1);
  const consume = def.queue.bind(def);
  return definePollingFunction({
    name: def.name,
    stream: def.stream,
    group: def.group ?? "queues-consumer",
    crons: def.crons,
    payload: "json",
    ...(def.description === undefined ? {} : { description: def.description }),
    options: { delays: true, batchSize, maxDeliveries: maxRetries + 1, ...def.options },
    async handleBatch(messages, ctx) {
      const waits: Promise<unknown>[] = [];
      const batch = queuesBatch<Body>(def.stream, messages, ctx, retryDelayMs);
      const context: QueuesContext = { waitUntil: (p) => void waits.push(Promise.resolve(p)), passThroughOnException: () => {}, props: {} };
      try {
        await consume(batch, ctx.env as Env, context);
      } catch (error) {
        // Queues retries what the consumer left unsettled when it throws, after the consumer's retry_delay.
        ctx.retryAll({ delayMs: retryDelayMs, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      }
      await Promise.allSettled(waits);
    },
  });
}

function queuesBatch<Body>(queue: string, messages: BatchMessage[], ctx: BatchContext, retryDelayMs: number): QueuesBatch<Body> {
  const delayOf = (o: QueuesRetryOptions | undefined): number => {
    const s = o?.delaySeconds;
    if (s === undefined) return retryDelayMs;
    if (typeof s !== "number" || !Number.isFinite(s) || s < 0) throw new ConfigError(`retry: \`delaySeconds\` must be a number ≥ 0; got ${String(s)}`);
    return Math.round(s * 1_000);
  };
  return {
    queue,
    messages: messages.map(
      (m): QueuesMessage<Body> => ({
        id: m.id,
        timestamp: new Date(Number(m.id.split("-")[0])),
        body: m.body as Body,
        attempts: m.attempt,
        ack: () => m.ack(),
        retry: (o) => m.retry({ delayMs: delayOf(o), reason: "retried by the consumer" }),
      }),
    ),
    // Not measured: reading the backlog would cost a command per batch.
    metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
    ackAll: () => ctx.ackAll(),
    retryAll: (o) => ctx.retryAll({ delayMs: delayOf(o), reason: "retried by the consumer (retryAll)" }),
  };
}
