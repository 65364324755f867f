/**
 * cronsumer's public surface: the one front door. Everything exported here is
 * documented in the README and kept stable; anything not exported here is
 * private and free to change.
 */

// Define polling functions.
export { definePollingFunction } from "./core/define/define.js";
export type { BatchContext, BatchMessage, Delivered, HandlerContext, Message, PollingFunction, PollingFunctionDefinition, RunContext } from "./core/define/define.js";
export type { Effects } from "./core/define/effects.js";
export type { ReadRedis } from "./core/handle/read-only.js";
export type { StandardSchemaV1 } from "./core/define/standard-schema.js";
export type { PartitionOf } from "./core/define/define.js";
export { expandPartitions } from "./core/partitions/partition-members.js";
export { partitionOfKey, partitionStream } from "./core/define/partitions.js";
export type { Partitions } from "./core/define/partitions.js";
export type { LaneOptions } from "./core/define/lanes.js";
export type { BackoffOptions, FunctionOptions, KeyConcurrency, RetentionOptions } from "./core/define/options.js";
export type { RateLimit } from "./core/features/rate-limit.js";
export type { Fields } from "./core/redis/parse-replies.js";
export { ConfigError, PermanentError, RedisReplyError, RetryError, TransportError } from "./core/redis/errors.js";
export { VisibilityLostError } from "./core/handle/visibility.js";

// Run them in a Worker: all in one, or piece by piece.
export { createApi, createScheduled, createWorker } from "./functions/create-worker.js";
export type { CronEvent, CronsumerWorker, ScheduledHandler, WaitUntil, WorkerOptions } from "./functions/create-worker.js";
export type { ApiApp } from "./api/context.js";
export type { Env } from "./env.js";
export { runScheduled, runOne } from "./functions/scheduled.js";
export { createDrainer } from "./functions/drainer.js";
export type { DrainerClass, DrainerState } from "./functions/drainer.js";
export type { Skipped } from "./functions/scheduled.js";
export { runFunction } from "./core/run/run.js";
export type { RunDeps } from "./core/run/run.js";
export type { RunReport, StopReason } from "./core/features/report.js";

// Enqueue from code that is not the HTTP API.
export { createProducer, EnqueueError } from "./producer/producer.js";
export type { BodyMessage, Producer, ProducerOptions, SendOptions, Sent } from "./producer/producer.js";
export type { Payload } from "./core/define/payload.js";

// Move from Cloudflare Queues: run a Queues consumer unchanged, and send with a Queues binding's shape.
export { queuesConsumer } from "./queues/consumer.js";
export type { QueuesConsumerDefinition } from "./queues/consumer.js";
export { queuesProducer } from "./queues/producer.js";
export type { QueuesProducer } from "./queues/producer.js";
export type { QueuesBatch, QueuesContentType, QueuesContext, QueuesMessage, QueuesRetryOptions, QueuesSendOptions, QueuesSendRequest } from "./queues/types.js";

// Reach Redis.
export { redisFromEnv, transportFromEnv } from "./functions/redis.js";
export { upstashTransport } from "./core/redis/upstash-transport.js";
export { homeTransport, routedTransport } from "./core/partitions/routed-transport.js";
export type { Transport } from "./core/redis/transport.js";

// Signed webhooks, for senders and receivers.
export { signWebhook, verifyWebhook } from "./core/handle/signature.js";
