/**
 * `webhook`: delivers each message of `webhooks:outbox` as a signed JSON POST
 * to WEBHOOK_URL (see core/handle/signature.ts for the headers). 2xx acknowledges;
 * 4xx other than 408 and 429 is permanent (dead-lettered at once); a 429
 * with Retry-After slows the whole function down for that long; 5xx,
 * timeouts and network errors are retried with backoff.
 *
 * Redirects are never followed: following a 301/302/303 turns the POST into
 * a body-less GET, which a receiver may answer 200, and the message would
 * count as delivered. A permanent redirect (301, 308) says WEBHOOK_URL is
 * wrong and stays wrong, so retries cannot succeed: dead-lettered at once,
 * with the new location in the error, to replay once the URL is fixed. A
 * temporary one (302, 303, 307) is retried like a 5xx.
 */
import { definePollingFunction, PermanentError, RetryError, signWebhook } from "../index.js";

const RETRYABLE_4XX = new Set([408, 429]);
const PERMANENT_REDIRECTS = new Set([301, 308]);

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
      redirect: "manual",
    });
    // Read the body so the connection is released; its content is not needed.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    const problem = `webhook answered ${response.status}${redirectNote(response)}`;
    if (PERMANENT_REDIRECTS.has(response.status)) throw new PermanentError(problem);
    if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) throw new PermanentError(problem);
    const delayMs = retryAfterMs(response);
    // 429 is the receiver's limit, not this message's fault: the whole function holds off (see ctx.slowDown).
    if (delayMs !== undefined) throw new RetryError(`${problem}; Retry-After asked for ${delayMs} ms`, { delayMs, slowFunction: response.status === 429 });
    throw new Error(problem);
  },
});

/**
 * `Retry-After` on 429 and 503 (RFC 9110 §10.2.3): seconds, or an HTTP date.
 * The retry then waits that long instead of the backoff (capped at the
 * visibility timeout, see RetryError).
 */
export function retryAfterMs(response: Response, now = Date.now()): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const header = response.headers.get("retry-after")?.trim();
  if (!header) return undefined;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function redirectNote(response: Response): string {
  if (response.status < 300 || response.status >= 400) return "";
  const location = (response.headers.get("location") ?? "no location").slice(0, 200);
  return ` (a redirect to ${location}; redirects are not followed: set WEBHOOK_URL to the final URL)`;
}
