/**
 * How the API shows a JSON-body message (`payload: "json"`): beside its raw
 * `fields`, the body parsed (`body`), so a view can pretty-print it without
 * parsing again, or, for an entry whose body does not parse, why
 * (`bodyError`). Flat-field streams get neither.
 */
import { z } from "@hono/zod-openapi";
import type { Payload } from "../core/define/payload.js";
import { decodeBody } from "../core/define/payload.js";
import type { Fields } from "../core/redis/parse-replies.js";

export const BodyView = {
  body: z.unknown().optional().openapi({ description: 'A stream of a `payload: "json"` function: the message\'s body, parsed from its `body` field' }),
  bodyError: z.string().optional().openapi({ description: "Why the `body` field does not parse, when it does not" }),
};

export function bodyView(payload: Payload, fields: Fields | null | undefined): { body?: unknown; bodyError?: string } {
  if (payload !== "json" || !fields) return {};
  const decoded = decodeBody(fields);
  return decoded.ok ? { body: decoded.body } : { bodyError: decoded.error };
}
