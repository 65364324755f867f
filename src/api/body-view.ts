/**
 * How the API shows a JSON-body message (`payload: "json"`): beside its raw
 * `fields`, the body parsed (`body`), so a view can pretty-print it without
 * parsing again, or, for an entry whose body does not parse, why
 * (`bodyError`). Flat-field streams get neither.
 */
import { z } from "@hono/zod-openapi";
import type { Payload } from "../core/define/payload.js";
import { decodeBody } from "../core/define/payload.js";
import type { DeadLetter } from "../core/dead-letters/dead-letter.js";
import type { Fields } from "../core/redis/parse-replies.js";
import type { Catalog } from "./catalog.js";

export const BodyView = {
  body: z.unknown().optional().openapi({ description: 'A stream of a `payload: "json"` function: the message\'s body, parsed from its `body` field' }),
  bodyError: z.string().optional().openapi({ description: "Why the `body` field does not parse, when it does not" }),
};

export function bodyView(payload: Payload, fields: Fields | null | undefined): { body?: unknown; bodyError?: string } {
  if (payload !== "json" || !fields) return {};
  const decoded = decodeBody(fields);
  return decoded.ok ? { body: decoded.body } : { bodyError: decoded.error };
}

/**
 * A dead letter's body: that of the fields it keeps, by the shape of the function that
 * dead-lettered it (a dead-letter stream may collect from several); none when its
 * fields stayed in the source stream (a big message).
 */
export function deadLetterBodyView(catalog: Catalog, letter: DeadLetter): { body?: unknown; bodyError?: string } {
  if (letter.payloadInSource) return {};
  const payload = catalog.functions.find((fn) => fn.name === letter.function)?.payload ?? "fields";
  return bodyView(payload, letter.fields);
}
