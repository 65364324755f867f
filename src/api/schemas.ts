/**
 * Schemas shared by several routes. Each validates requests and describes
 * them in `/openapi.json`: one definition for both.
 */
import { z } from "@hono/zod-openapi";
import { canonicalStreamId } from "../core/redis/stream-id.js";
import { MAX_FIELD_NAME_BYTES, utf8Bytes } from "./limits.js";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "stream_not_found" }),
      message: z.string().openapi({ example: 'no configured function consumes or dead-letters to "orders:nope"' }),
    }),
  })
  .openapi("Error");

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Bad input: the message names what is wrong",
  401: "Missing or unknown bearer token",
  403: "READ_TOKEN used on a route that writes",
  404: "Unknown stream, group, consumer, function or id",
  409: "Conflict (see the code)",
  413: "Body or message over the size limit",
  415: "Body is not JSON",
  422: "Well-formed, but not acceptable (see the code)",
  500: "The operation failed in a way that needs attention (see the message)",
  502: "Redis answered with an error",
  503: "API_TOKEN or Redis not configured, or Redis unreachable",
};

/** Error answers of a route, in the one error shape. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    [...new Set([401, 403, 503, ...statuses])].map((s) => [s, { description: ERROR_DESCRIPTIONS[s] ?? "Error", content: { "application/json": { schema: ErrorSchema } } }]),
  );
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** A required JSON body. */
export const jsonRequest = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

const name = (what: string, example: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .refine((s) => utf8Bytes(s) <= 256, `${what} must be at most 256 bytes`)
    .openapi({ example });

export const StreamParams = z.object({
  stream: name("stream", "orders:payments").openapi({ param: { name: "stream", in: "path" }, description: "URL-encoded or with raw colons" }),
});
export const GroupParams = StreamParams.extend({
  group: name("group", "payment-processors").openapi({ param: { name: "group", in: "path" } }),
});
export const ConsumerParams = GroupParams.extend({
  consumer: name("consumer", "payments-3").openapi({ param: { name: "consumer", in: "path" } }),
});
export const FunctionParams = z.object({ name: name("function name", "payments").openapi({ param: { name: "name", in: "path" } }) });

/** A complete stream id, or a bare millisecond time. */
export const STREAM_ID = /^\d+(-\d+)?$/;
const ID_RULE = 'must be a stream id such as "1700000000000-0", each part at most 2^64-1';
/**
 * A stream id, handed to the route in Redis's own spelling (`05-0`, `5-00`
 * and `5` all arrive as `5-0`), so ids are compared, de-duplicated and
 * locked as Redis reads them. Parts beyond 64 bits are refused here with a
 * 400 instead of reaching Redis.
 */
export const StreamId = z
  .string()
  .refine((id) => canonicalStreamId(id) !== null, ID_RULE)
  .transform((id) => canonicalStreamId(id)!)
  .openapi({ type: "string", pattern: STREAM_ID.source, example: "1700000000000-0" });
/** Where a group starts, or is moved to: "$" (new messages only), "0" (the whole stream), or an id. */
export const GroupPosition = z
  .string()
  .refine((id) => id === "$" || canonicalStreamId(id) !== null, `must be "$", "0" or a stream id such as "1700000000000-0", each part at most 2^64-1`)
  .openapi({ type: "string", pattern: "^(\\$|\\d+(-\\d+)?)$", example: "0" });

/** Page of a range: `start` is inclusive; pass the answer's `next` to go on. */
export const PageQuery = z.object({
  start: z
    .string()
    .refine((id) => id === "-" || canonicalStreamId(id) !== null, 'must be "-" or a stream id, each part at most 2^64-1')
    .transform((id) => (id === "-" ? id : canonicalStreamId(id)!))
    .default("-")
    .openapi({ param: { name: "start", in: "query" }, description: 'Inclusive; "-" is the beginning. Pass the previous answer\'s `next`.' }),
  count: z.coerce.number().int().min(1).max(1000).default(100).openapi({ param: { name: "count", in: "query" } }),
});

export const FieldName = z
  .string()
  .min(1, "field names must not be empty")
  .refine((k) => utf8Bytes(k) <= MAX_FIELD_NAME_BYTES, `field names must be at most ${MAX_FIELD_NAME_BYTES} bytes`);

/** A message: field → value, both strings, handed to handlers exactly as sent. */
export const MessageSchema = z
  .record(FieldName, z.string())
  .refine((m) => Object.keys(m).length > 0, "a message needs at least one field")
  .openapi("Message", { minProperties: 1, example: { orderID: "o-1001", amount: "12.50" } });

export const Fields = z.record(z.string(), z.string()).openapi("Fields");

const unixMs = (name: string, description: string) =>
  z.coerce.number().int().min(0).optional().openapi({ param: { name, in: "query" }, description });

/** Dead-letter filters, as query parameters of the list and as the body of a replay by filter. */
export const FilterFields = {
  q: z.string().min(1).max(200).optional().openapi({ param: { name: "q", in: "query" }, description: "Case-insensitive text in the error" }),
  from: unixMs("from", "Dead-lettered at or after this time (unix ms)"),
  to: unixMs("to", "Dead-lettered at or before this time (unix ms)"),
  source: z.string().min(1).max(256).optional().openapi({ param: { name: "source", in: "query" }, description: "Only dead letters from this stream" }),
};

export function fromBeforeTo(v: { from?: number; to?: number }, ctx: z.RefinementCtx): void {
  if (v.from !== undefined && v.to !== undefined && v.from > v.to) ctx.addIssue({ code: "custom", path: ["to"], message: `must not be before from (${v.from})` });
}
