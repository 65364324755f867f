/**
 * A Cloudflare Queues consumer written as in Cloudflare's own docs
 * (queues/configuration/batching-retries: explicit acknowledgement, retry
 * with an exponential `delaySeconds` from `msg.attempts`, and batch-level
 * `ackAll` / `retryAll`), with Cloudflare's own types. It imports nothing
 * of cronsumer: queues.test.ts runs it, unchanged, through `queuesConsumer`.
 */
interface Env {
  /** Where the bulk consumer writes a whole batch at once. */
  BULK_URL: string;
}

export interface Job {
  /** The upstream this message is delivered to. */
  url: string;
  order: { id: string; lines: { sku: string; qty: number }[]; note: string };
}

const BASE_DELAY_SECONDS = 2;

const calculateExponentialBackoff = (attempts: number, baseDelaySeconds: number) => {
  return baseDelaySeconds ** attempts;
};

/** One message at a time: acknowledged as it is processed, retried with backoff on a 429, and a failure fails the rest of the batch. */
export const perMessage = {
  async queue(batch: MessageBatch<Job>, env: Env, ctx: ExecutionContext): Promise<void> {
    for (const msg of batch.messages) {
      const res = await fetch(msg.body.url, { method: "POST", body: JSON.stringify({ id: msg.id, attempts: msg.attempts, body: msg.body }) });
      if (res.status === 429) {
        // Mark for retry and delay a singular message
        msg.retry({ delaySeconds: calculateExponentialBackoff(msg.attempts, BASE_DELAY_SECONDS) });
        continue;
      }
      if (!res.ok) throw new Error(`upstream answered ${res.status}`);
      // Explicitly acknowledge the message as delivered
      msg.ack();
    }
  },
} satisfies ExportedHandler<Env, Job>;

/** A whole batch written upstream in one request, then acknowledged (or retried) at the batch level. */
export const bulk = {
  async queue(batch: MessageBatch<Job>, env: Env, ctx: ExecutionContext): Promise<void> {
    const res = await fetch(env.BULK_URL, { method: "POST", body: JSON.stringify(batch.messages.map((m) => m.body)) });
    if (res.ok) batch.ackAll();
    // Mark for retry and delay a batch of messages by 1 second
    else batch.retryAll({ delaySeconds: 1 });
  },
} satisfies ExportedHandler<Env, Job>;
