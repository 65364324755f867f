/**
 * The last check before an enqueue writes: every field exactly as it will be
 * sent to Redis. The body schema cannot see everything: a field named
 * `__proto__` is not an own key of the object Zod builds, so its value escapes
 * the string-only rule, and JSON can spell an unpaired surrogate (`"\ud800"`),
 * which no UTF-8 store can hold (it would arrive as U+FFFD, not as sent).
 * Both answer 400 naming the field, before anything is written or any
 * Idempotency-Key is held.
 */
import type { Fields } from "../core/redis/parse-replies.js";
import { checkMessageSizes, messagesOf, suggestion } from "./enqueue-body.js";
import { ApiError } from "./errors.js";

/** An unpaired surrogate: with the `u` flag, a well-formed pair never matches. */
const LONE_SURROGATE = /\p{Cs}/u;

export const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

export function checkWrittenFields(messages: readonly Fields[], batch: boolean): void {
  messages.forEach((m, i) => {
    const where = batch ? `message ${i}: ` : "";
    for (const [name, value] of Object.entries(m) as [string, unknown][]) {
      const field = JSON.stringify(name);
      if (!isWellFormed(name)) {
        throw new ApiError(400, "invalid_field", `${where}field name ${field} holds an unpaired surrogate (not well-formed UTF-16), which Redis cannot store as sent`);
      }
      if (typeof value !== "string") throw new ApiError(400, "invalid_field", `${where}field ${field} must be a string; ${suggestion(value)}`);
      if (!isWellFormed(value)) {
        throw new ApiError(400, "invalid_field", `${where}field ${field} holds an unpaired surrogate (not well-formed UTF-16), which Redis cannot store as sent`);
      }
    }
  });
}

/**
 * The messages of a body that passed the schema, as they will be written:
 * every field checked and every message within `maxMessageBytes`. The one
 * sequence both the API route and the producer use, so they cannot drift.
 */
export function writableMessages(raw: unknown, maxMessageBytes: number): Fields[] {
  const messages = messagesOf(raw);
  checkWrittenFields(messages, Array.isArray(raw));
  checkMessageSizes(messages, maxMessageBytes, Array.isArray(raw));
  return messages;
}
