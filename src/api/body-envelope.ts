/**
 * The enqueue body for a stream whose function takes JSON bodies
 * (`payload: "json"`, core/define/payload.ts): one message
 * `{"body": <any JSON>, "headers"?: {name: string}}`, or an array of 1 to
 * 500. The body becomes one JSON field, the headers string fields beside
 * it; then the flat rules apply to what will be written (written-fields.ts:
 * reserved names, sizes of the encoded form). Each refusal is a 400 naming
 * the message and the problem, before anything is written.
 */
import { z } from "@hono/zod-openapi";
import { BodyError, bodyFields } from "../core/define/payload.js";
import type { Fields } from "../core/redis/parse-replies.js";
import { ApiError } from "./errors.js";
import { MAX_BATCH, MAX_FIELD_NAME_BYTES, utf8Bytes } from "./limits.js";
import { FieldName } from "./schemas.js";
import type { Payload } from "../core/define/payload.js";
import { EnqueueBody, suggestion, toError } from "./enqueue-body.js";
import { writableMessages } from "./written-fields.js";

const JsonMessage = z
  .object({
    body: z.unknown().openapi({ description: "Any JSON value: the handler gets it as `message.body`, exactly as sent" }),
    headers: z.record(FieldName, z.string()).optional().openapi({ description: "String headers, stored as fields beside the body (key fields for `ordered`, `keyConcurrency`, `partitions` go here)" }),
  })
  .strict()
  .openapi("JsonMessage", { example: { body: { order: "o-1", lines: [{ sku: "A-1", qty: 2 }] }, headers: { account: "a-1" } } });

export const JsonEnqueueBody = z.union([JsonMessage, z.array(JsonMessage).min(1).max(MAX_BATCH)]).openapi("JsonEnqueueBody", {
  description: `For a function with \`payload: "json"\`: one message, or an array of 1 to ${MAX_BATCH} written in one MULTI/EXEC.`,
});

const SHAPE = '{"body": <any JSON>, "headers"?: {name: string}}';

/** The entries' fields for a JSON-body enqueue, as they will be written. */
export function bodyMessages(raw: unknown, maxMessageBytes: number): Fields[] {
  const batch = Array.isArray(raw);
  const list: unknown[] = batch ? raw : [raw];
  if (batch && list.length === 0) throw new ApiError(400, "empty_batch", "a batch needs at least one message");
  if (list.length > MAX_BATCH) throw new ApiError(400, "batch_too_large", `a batch holds at most ${MAX_BATCH} messages; send the rest in another request`);
  const fields = list.map((m, i) => fieldsOf(m, batch ? `message ${i}: ` : ""));
  return writableMessages(batch ? fields : fields[0], maxMessageBytes);
}

function fieldsOf(m: unknown, where: string): Fields {
  if (m === null || typeof m !== "object" || Array.isArray(m)) throw new ApiError(400, "invalid_request", `${where}this stream's function takes JSON bodies: send ${SHAPE}`);
  const unknown = Object.keys(m).find((k) => k !== "body" && k !== "headers");
  if (unknown !== undefined) throw new ApiError(400, "invalid_request", `${where}unknown key ${JSON.stringify(unknown)}; put it inside "body", or in "headers" as a string (${SHAPE})`);
  if (!Object.hasOwn(m, "body")) throw new ApiError(400, "missing_body", `${where}the message has no "body"; send ${SHAPE}`);
  const { body, headers = {} } = m as { body: unknown; headers?: unknown };
  try {
    return bodyFields(body, checkHeaders(headers, where));
  } catch (error) {
    if (error instanceof BodyError) throw new ApiError(400, "invalid_body", `${where}${error.message}`);
    throw error;
  }
}

function checkHeaders(headers: unknown, where: string): Fields {
  if (headers === null || typeof headers !== "object" || Array.isArray(headers)) throw new ApiError(400, "invalid_field", `${where}"headers" must be an object of name → string`);
  for (const [name, value] of Object.entries(headers)) {
    if (name === "" || utf8Bytes(name) > MAX_FIELD_NAME_BYTES) throw new ApiError(400, "invalid_field", `${where}header names must be 1 to ${MAX_FIELD_NAME_BYTES} bytes; got ${JSON.stringify(name.slice(0, 40))}`);
    if (typeof value !== "string") throw new ApiError(400, "invalid_field", `${where}header ${JSON.stringify(name)} must be a string; ${suggestion(value)}`);
  }
  return headers as Fields;
}

/** The messages of an enqueue request, by the shape the stream's function takes: the one path the API and the producer share. */
export function requestMessages(raw: unknown, payload: Payload, maxMessageBytes: number): Fields[] {
  if (payload === "json") return bodyMessages(raw, maxMessageBytes);
  const parsed = EnqueueBody.safeParse(raw);
  if (!parsed.success) throw toError(raw, parsed.error.issues[0]!);
  return writableMessages(raw, maxMessageBytes);
}
