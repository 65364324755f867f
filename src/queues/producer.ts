/**
 * `queuesProducer`: an object with the shape of a Cloudflare Queues
 * binding (`env.QUEUE.send(body, { delaySeconds, contentType })`,
 * `sendBatch(messages, { delaySeconds })`) that writes JSON bodies to the
 * stream a `queuesConsumer` reads, through a cronsumer producer (so with its
 * validation, sizes and one-request writes). A producer's call sites stay as
 * they were; only what `env.QUEUE` is changes.
 *
 * `contentType` "json" (the default here) takes any JSON value, "text" a
 * string; "bytes" and "v8" (structured clone) are refused, since a stream
 * entry holds JSON text: a Date or a Map would not come back as sent.
 */
import { EnqueueError } from "../producer/producer.js";
import type { Producer, SendOptions } from "../producer/producer.js";
import type { QueuesContentType, QueuesSendOptions, QueuesSendRequest } from "./types.js";

export interface QueuesProducer<Body = unknown> {
  send(body: Body, options?: QueuesSendOptions): Promise<void>;
  /** Messages with the same delay and priority go in one request, all or nothing; each distinct pair is a request of its own. */
  sendBatch(messages: Iterable<QueuesSendRequest<Body>>, options?: { delaySeconds?: number; priority?: string }): Promise<void>;
}

export function queuesProducer<Body = unknown>(producer: Producer, stream: string): QueuesProducer<Body> {
  return {
    async send(body, options = {}) {
      checkContent(body, options.contentType, "send");
      await producer.sendBody(stream, body, sendOptions(options.delaySeconds, options.priority));
    },
    async sendBatch(messages, options = {}) {
      const byWrite = new Map<string, { options: SendOptions; bodies: { body: unknown }[] }>();
      [...messages].forEach((m, i) => {
        checkContent(m?.body, m?.contentType, `sendBatch: message ${i}`);
        const delay = m.delaySeconds ?? options.delaySeconds;
        const priority = m.priority ?? options.priority;
        const write = JSON.stringify([delay, priority]);
        if (!byWrite.has(write)) byWrite.set(write, { options: sendOptions(delay, priority), bodies: [] });
        byWrite.get(write)!.bodies.push({ body: m.body });
      });
      if (byWrite.size === 0) throw new EnqueueError("empty_batch", 400, "sendBatch: a batch needs at least one message");
      for (const write of byWrite.values()) await producer.sendBodies(stream, write.bodies, write.options);
    },
  };
}

function checkContent(body: unknown, type: QueuesContentType | undefined, where: string): void {
  if (type === undefined || type === "json") return;
  if (type === "text") {
    if (typeof body !== "string") throw new EnqueueError("invalid_body", 400, `${where}: contentType "text" takes a string; got a ${body === null ? "null" : typeof body}`);
    return;
  }
  throw new EnqueueError("unsupported_content_type", 400, `${where}: contentType ${JSON.stringify(type)} is not supported: a stream entry holds JSON text; send JSON values ("json") or strings ("text")`);
}

function sendOptions(delaySeconds: number | undefined, priority: string | undefined): SendOptions {
  return { ...delayOf(delaySeconds), ...(priority === undefined ? {} : { priority }) };
}

function delayOf(delaySeconds: number | undefined): SendOptions {
  if (delaySeconds === undefined || delaySeconds === 0) return {};
  if (typeof delaySeconds !== "number" || !Number.isFinite(delaySeconds) || delaySeconds < 0) {
    throw new EnqueueError("invalid_delay", 400, `delaySeconds must be a number of seconds ≥ 0; got ${String(delaySeconds)}`);
  }
  return { delayMs: Math.round(delaySeconds * 1_000) };
}
