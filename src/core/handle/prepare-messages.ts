/**
 * What a handler is handed of each delivered entry: its body and headers
 * (`payload: "json"`, payload.ts) and what the function's `schema` made of
 * it. An entry whose body is not JSON, or that the schema refuses, is
 * refused here with the reason a dead letter should carry: it is never
 * handed to a handler, and no retry would change it.
 */
import type { Delivered, Message, PollingFunction } from "../define/define.js";
import { decodeBody } from "../define/payload.js";
import type { Checked } from "../define/standard-schema.js";
import { checkValue } from "../define/standard-schema.js";
import type { Fields } from "../redis/parse-replies.js";

export interface Prepared {
  /** The messages to hand over, with their index in the delivered batch. */
  valid: { index: number; message: Message }[];
  /** Entries refused before any handler: index and why. */
  refused: { index: number; error: string }[];
}

type Shape = Pick<PollingFunction, "schema" | "payload">;

/** One shared empty headers object for flat messages, which have none: no allocation per message. */
const NO_HEADERS: Fields = Object.freeze({}) as Fields;

/**
 * The message a handler gets: the delivered entry's own properties, spelled
 * out, and what was made of it. Not `{ ...d, data, body, headers }`: V8 (Node
 * 20's, and workerd's) copies a spread followed by more properties on a slow
 * path, a few µs per message, the largest cost per message of a run. An
 * optional property added to `Delivered` must be copied here too.
 */
function messageOf(d: Delivered, data: Fields, body: Fields, headers: Fields): Message {
  const m: Message = { id: d.id, stream: d.stream, group: d.group, fields: d.fields, attempt: d.attempt, data, body, headers };
  if (d.priorDeliveries !== undefined) m.priorDeliveries = d.priorDeliveries;
  return m;
}

/** Flat fields without a schema: `data` and `body` are the fields themselves, with no promise or check per message. */
export const asIs = (d: Delivered): Message => (isPlain(d) ? d : messageOf(d, d.fields, d.fields, NO_HEADERS));

/**
 * A delivered entry made as its own flat message (fetch.ts): handed over as it is, without a copy per message.
 * Its `data` and `body` are its fields, as `asIs` would make them.
 */
export function plainMessage(id: string, stream: string, group: string, fields: Fields, attempt: number): Message {
  return { id, stream, group, fields, attempt, data: fields, body: fields, headers: NO_HEADERS };
}

const isPlain = (d: Delivered): d is Message => (d as Partial<Message>).headers === NO_HEADERS && (d as Partial<Message>).data === d.fields;

export async function prepareMessages(delivered: readonly Delivered[], fn: Shape): Promise<Prepared> {
  const prepared: Prepared = { valid: [], refused: [] };
  // Without a schema nothing awaits: no promise per message (CPU is billed per message on Workers).
  const checked = fn.schema || fn.payload !== "json" ? await Promise.all(delivered.map((d) => prepareOne(d, fn))) : delivered.map((d) => decodeOne(d));
  checked.forEach((c, index) => {
    if (c.ok) prepared.valid.push({ index, message: c.data });
    else prepared.refused.push({ index, error: c.error });
  });
  return prepared;
}

/** A JSON body decoded: `data` and `body` are the body itself. */
function decodeOne(d: Delivered): Checked<Message> {
  const decoded = decodeBody(d.fields);
  if (!decoded.ok) return decoded;
  return { ok: true, data: messageOf(d, decoded.body as Fields, decoded.body as Fields, decoded.headers) };
}

async function prepareOne(d: Delivered, fn: Shape): Promise<Checked<Message>> {
  let value: unknown = d.fields;
  let headers = NO_HEADERS;
  if (fn.payload === "json") {
    const decoded = decodeBody(d.fields);
    if (!decoded.ok) return decoded;
    value = decoded.body;
    headers = decoded.headers;
  }
  if (!fn.schema) return { ok: true, data: messageOf(d, value as Fields, value as Fields, headers) };
  const c = await checkValue(fn.schema, value).catch((e: unknown) => ({ ok: false as const, error: `schema check threw: ${String(e)}` }));
  if (!c.ok) return c;
  return { ok: true, data: messageOf(d, c.data as Fields, c.data as Fields, headers) };
}
