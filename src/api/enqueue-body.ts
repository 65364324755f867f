/**
 * The enqueue body: one message (a JSON object of field → value) or a batch
 * (an array of 1 to 500 of them).
 *
 * Values must be JSON strings. The engine hands handlers exactly the strings
 * that were enqueued, so a number, boolean, null or object is refused with a
 * 400 naming the field and the string to send instead, rather than converted
 * with String() (which would make `12.50` arrive as "12.5", and `{}` as
 * "[object Object]"). Field names are non-empty and at most 256 bytes; a
 * message has at least one field and at most `MAX_MESSAGE_BYTES` of names and
 * values (413).
 */
import type { Hook } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { Fields } from "../core/redis/parse-replies.js";
import { DELIVERIES_FIELD } from "../core/features/delayed.js";
import { RESERVED_FIELDS } from "../core/dead-letters/replay-target.js";
import type { ApiEnv } from "./context.js";
import { ApiError } from "./errors.js";
import { MAX_BATCH, MAX_FIELD_NAME_BYTES, utf8Bytes } from "./limits.js";
import { MessageSchema } from "./schemas.js";
import { defaultHook, innermost } from "./validation.js";

export const EnqueueBody = z.union([MessageSchema, z.array(MessageSchema).min(1).max(MAX_BATCH)]).openapi("EnqueueBody", {
  description: `One message, or an array of 1 to ${MAX_BATCH} messages written in one MULTI/EXEC.`,
});

/** Field names a replay or a parked retry writes. */
const RESERVED: readonly string[] = [...RESERVED_FIELDS, DELIVERIES_FIELD];

/**
 * The messages of a valid body, as sent (own properties in order, `__proto__` included).
 * Reserved field names are refused (400): a run would strip them, or skip the message.
 */
export function messagesOf(raw: unknown): Fields[] {
  const list = Array.isArray(raw) ? raw : [raw];
  const messages = list.map((m) => Object.fromEntries(Object.entries(m as Fields)));
  messages.forEach((m, i) => {
    const reserved = RESERVED.find((name) => Object.hasOwn(m, name));
    if (reserved !== undefined) {
      throw new ApiError(400, "reserved_field", `${Array.isArray(raw) ? `message ${i}: ` : ""}field ${JSON.stringify(reserved)} is reserved for cronsumer (dead-letter replay, parked retries); rename it`);
    }
  });
  return messages;
}

export const messageBytes = (m: Fields): number => Object.entries(m).reduce((n, [k, v]) => n + utf8Bytes(k) + utf8Bytes(v), 0);

export function checkMessageSizes(messages: readonly Fields[], maxMessageBytes: number, batch: boolean): void {
  messages.forEach((m, i) => {
    const bytes = messageBytes(m);
    if (bytes > maxMessageBytes) {
      throw new ApiError(413, "message_too_large", `${batch ? `message ${i}` : "the message"} has ${bytes} bytes of fields; MAX_MESSAGE_BYTES is ${maxMessageBytes}`);
    }
  });
}

/** What to send instead of a non-string value. */
export function suggestion(value: unknown): string {
  if (value === null) return 'null is not a string; send "" for an empty value, or leave the field out';
  if (typeof value === "object") return `send it JSON-encoded as a string: ${JSON.stringify(JSON.stringify(value)).slice(0, 120)}`;
  return `send ${JSON.stringify(JSON.stringify(value))}`;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), body);
}

export function toError(body: unknown, issue: z.core.$ZodIssue): ApiError {
  const batch = Array.isArray(body);
  if (!batch && (body === null || typeof body !== "object")) {
    return new ApiError(400, "invalid_request", `the body must be a JSON object (one message) or an array of 1 to ${MAX_BATCH} messages`);
  }
  const i = innermost(issue);
  const where = batch && i.path.length > 0 ? `message ${String(i.path[0])}: ` : "";
  const field = i.path[batch ? 1 : 0];
  if (batch && i.path.length === 0 && i.code === "too_small") return new ApiError(400, "empty_batch", `a batch needs at least one message`);
  if (batch && i.path.length === 0 && i.code === "too_big") return new ApiError(400, "batch_too_large", `a batch holds at most ${MAX_BATCH} messages; send the rest in another request`);
  if (field === undefined) {
    if (i.code === "custom") return new ApiError(400, "empty_message", `${where}a message needs at least one field`);
    return new ApiError(400, "invalid_request", `${where}a message must be a JSON object of field → string value`);
  }
  const name = JSON.stringify(String(field));
  if (i.code === "invalid_key") {
    const empty = String(field) === "";
    return new ApiError(400, "invalid_field", `${where}field ${name}: ${empty ? "field names must not be empty" : `field names must be at most ${MAX_FIELD_NAME_BYTES} bytes`}`);
  }
  return new ApiError(400, "invalid_field", `${where}field ${name} must be a string; ${suggestion(valueAt(body, i.path))}`);
}

export const enqueueHook: Hook<unknown, ApiEnv, string, undefined> = (result, c) => {
  if (result.success) return;
  if (result.target === "header") {
    throw new ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 200 printable ASCII characters");
  }
  if (result.target !== "json") return defaultHook(result, c);
  const issue = result.error.issues[0];
  throw issue ? toError((result as { data?: unknown }).data, issue) : new ApiError(400, "invalid_request", "invalid body");
};
