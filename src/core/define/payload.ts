/**
 * JSON bodies (`payload: "json"`): a message is one JSON value, kept in the
 * stream entry as one field, `body`, holding its JSON text, beside optional
 * string headers (every other field). One field, not one field per key:
 * Redis fields are flat strings, and a client that JSON-parses every reply
 * (@upstash/redis `automaticDeserialization`) would turn "42" into 42; one
 * JSON text parsed once by the engine arrives exactly as it was encoded.
 *
 * Encoding refuses what JSON cannot carry exactly (undefined, functions,
 * bigint, NaN and ±Infinity, Dates, Maps and other class instances, cycles),
 * naming the path, instead of letting JSON.stringify drop or change it.
 */
import type { Fields } from "../redis/parse-replies.js";

/** The field that holds a JSON body's text. */
export const BODY_FIELD = "body";

/** How a function's messages are shaped: flat string fields (the default), or one JSON body. */
export type Payload = "fields" | "json";

/** Nesting deeper than this is refused: the checks below recurse, and a Worker's stack is small. */
export const MAX_BODY_DEPTH = 64;

/** A value JSON cannot carry exactly; `path` is where, as `body.items[2].price`. */
export class BodyError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/** The body's JSON text; throws `BodyError` naming the first value JSON would drop or change. */
export function encodeBody(value: unknown): string {
  checkJson(value, BODY_FIELD, 0, new Set());
  return JSON.stringify(value);
}

function checkJson(v: unknown, path: string, depth: number, seen: Set<object>): void {
  if (depth > MAX_BODY_DEPTH) throw new BodyError(`${path}: nested deeper than ${MAX_BODY_DEPTH} levels`, path);
  if (v === null || typeof v === "string" || typeof v === "boolean") return;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new BodyError(`${path}: ${v} is not a JSON number (JSON would send null)`, path);
    return;
  }
  if (typeof v !== "object") throw new BodyError(`${path}: a ${typeof v} is not a JSON value`, path);
  if (seen.has(v)) throw new BodyError(`${path}: refers back to itself (a cycle)`, path);
  seen.add(v);
  if (Array.isArray(v)) {
    v.forEach((item, i) => checkJson(item, `${path}[${i}]`, depth + 1, seen));
  } else {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const kind = (v as { constructor?: { name?: string } }).constructor?.name;
      if (!kind || kind === "Object") throw new BodyError(`${path}: an object with a prototype of its own is not a plain JSON object (what it inherits would be dropped)`, path);
      throw new BodyError(`${path}: a ${kind} is not a plain JSON object; convert it first (a Date to its ISO string, a Map to an object)`, path);
    }
    for (const [k, item] of Object.entries(v)) checkJson(item, `${path}.${k}`, depth + 1, seen);
  }
  seen.delete(v);
}

export type Decoded = { ok: true; body: unknown; headers: Fields } | { ok: false; error: string };

/** A delivered entry's body and headers; an entry without a readable body is an error a dead letter should carry. */
export function decodeBody(fields: Fields): Decoded {
  const text = fields[BODY_FIELD];
  if (text === undefined) return { ok: false, error: `the message has no \`${BODY_FIELD}\` field, which a function with \`payload: "json"\` reads its body from` };
  const headers: Fields = {};
  for (const [k, v] of Object.entries(fields)) if (k !== BODY_FIELD) headers[k] = v;
  try {
    return { ok: true, body: JSON.parse(text), headers };
  } catch (error) {
    return { ok: false, error: `the message's \`${BODY_FIELD}\` field is not JSON: ${error instanceof Error ? error.message : String(error)}`.slice(0, 1_000) };
  }
}

/** The entry's fields for a body and its headers; a header named `body` is refused, as it would replace the body. */
export function bodyFields(body: unknown, headers: Fields = {}): Fields {
  if (Object.hasOwn(headers, BODY_FIELD)) throw new BodyError(`headers: a header may not be named "${BODY_FIELD}"; that field holds the body`, "headers");
  return { [BODY_FIELD]: encodeBody(body), ...headers };
}
