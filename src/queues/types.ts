/**
 * Cloudflare Queues' consumer and producer shapes (workers-types `MessageBatch`,
 * `Message`, `Queue`), restated so the package needs no Workers types: a
 * consumer typed with Cloudflare's own types passes where these are asked.
 */

export interface QueuesRetryOptions {
  delaySeconds?: number;
}

export interface QueuesMessage<Body = unknown> {
  /** The stream entry's id. */
  readonly id: string;
  /** When the entry entered the stream (its id's time). */
  readonly timestamp: Date;
  readonly body: Body;
  /** 1 on first delivery. */
  readonly attempts: number;
  ack(): void;
  retry(options?: QueuesRetryOptions): void;
}

export interface QueuesBatch<Body = unknown> {
  readonly queue: string;
  readonly messages: readonly QueuesMessage<Body>[];
  /** Not measured: always 0. */
  readonly metadata: { metrics: { backlogCount: number; backlogBytes: number } };
  ackAll(): void;
  retryAll(options?: QueuesRetryOptions): void;
}

export interface QueuesContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  readonly props: unknown;
}

export type QueuesContentType = "json" | "text" | "bytes" | "v8";

export interface QueuesSendOptions {
  contentType?: QueuesContentType;
  delaySeconds?: number;
  /** Not in Queues: a priority lane of the consuming function (the producer's `priority`). */
  priority?: string;
}

export interface QueuesSendRequest<Body = unknown> {
  body: Body;
  contentType?: QueuesContentType;
  delaySeconds?: number;
  /** Not in Queues: a priority lane of the consuming function (the producer's `priority`). */
  priority?: string;
}
