/**
 * `webhook`: delivers each message of `webhooks:outbox` as a signed JSON POST
 * to WEBHOOK_URL (see core/signature.ts for the headers). 2xx acknowledges;
 * 4xx other than 408 and 429 is permanent (dead-lettered at once); 5xx,
 * timeouts and network errors are retried with backoff.
 */
import { definePollingFunction, PermanentError, signWebhook } from "../index.js";

const RETRYABLE_4XX = new Set([408, 429]);

export const webhook = definePollingFunction({
  name: "webhook",
  description: "POSTs each message of webhooks:outbox to WEBHOOK_URL, signed with WEBHOOK_SECRET.",
  stream: "webhooks:outbox",
  group: "webhook-deliverers",
  crons: ["* * * * *"],
  options: { deadLetterStream: "webhooks:dlq", fetchesPerMessage: 1, startId: "0" },
  skipReason(env) {
    if (!env.WEBHOOK_URL) return "WEBHOOK_URL is not set";
    if (!env.WEBHOOK_SECRET) return "WEBHOOK_SECRET is not set: deliveries would be unsigned";
    return undefined;
  },
  async handle(message, ctx) {
    const body = JSON.stringify({ id: message.id, stream: message.stream, attempt: message.attempt, fields: message.fields });
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await ctx.fetch(String(ctx.env.WEBHOOK_URL), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "cronsumer-id": message.id,
        "cronsumer-attempt": String(message.attempt),
        "cronsumer-timestamp": String(timestamp),
        "cronsumer-signature": await signWebhook(String(ctx.env.WEBHOOK_SECRET), timestamp, body),
      },
      body,
    });
    // Read the body so the connection is released; its content is not needed.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    const problem = `webhook answered ${response.status}`;
    if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) throw new PermanentError(problem);
    throw new Error(problem);
  },
});
