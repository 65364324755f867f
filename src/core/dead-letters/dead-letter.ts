/**
 * The dead-letter entry format. Original fields are kept as one JSON field,
 * so they can never collide with the metadata and replay restores them exactly.
 *
 * A message too big to copy (its dead-letter XADD alone would pass the
 * request cap, `maxRequestBytes`, once its fields are escaped as JSON inside
 * a JSON request) is dead-lettered as a reference instead: the same metadata,
 * no `fields`, and `payload: "source"` with `payload-bytes`, meaning its
 * fields are the entry `original-id` of `stream`. That entry is acknowledged
 * but held (dead-letter-refs.ts), so retention never trims it. To replay a
 * reference, read the original with `XRANGE stream original-id original-id`,
 * XADD its fields, and release its hold (`releaseRefOp`) in the MULTI that
 * XDELs the dead letter. A replay that cannot must refuse it (`fields` parses
 * as `{}` and `payloadInSource` is set).
 */
import type { Fields, StreamEntry } from "../redis/parse-replies.js";

export interface DeadLetter {
  /** The entry's id in the dead-letter stream. */
  id: string;
  originalId: string;
  stream: string;
  group: string;
  function: string;
  deliveries: number;
  error: string;
  failedAt: string;
  /** Empty for a reference: the payload is `originalId` in `stream`. */
  fields: Fields;
  /** Set for a reference: the payload stayed in the source stream; its size in bytes as it would have been sent. */
  payloadInSource?: { bytes: number };
}

export function deadLetterFields(d: Omit<DeadLetter, "id" | "payloadInSource">): Fields {
  return {
    "original-id": d.originalId,
    stream: d.stream,
    group: d.group,
    function: d.function,
    deliveries: String(d.deliveries),
    error: d.error,
    "failed-at": d.failedAt,
    fields: payloadJson(d.fields),
  };
}

// A split commit builds a message's dead letter more than once (split-commit.ts); V8 escapes big payloads slowly.
const payloads = new WeakMap<Fields, string>();
function payloadJson(fields: Fields): string {
  let json = payloads.get(fields);
  if (json === undefined) payloads.set(fields, (json = JSON.stringify(fields)));
  return json;
}

/** A reference: everything but the fields, which stay at `originalId` in the source stream. */
export function deadLetterReferenceFields(d: Omit<DeadLetter, "id" | "fields" | "payloadInSource">, bytes: number): Fields {
  const { fields: _, ...metadata } = deadLetterFields({ ...d, fields: {} });
  return { ...metadata, payload: "source", "payload-bytes": String(bytes) };
}

/** Reads an entry of a dead-letter stream; null if it is not in this format. */
export function parseDeadLetter(entry: StreamEntry): DeadLetter | null {
  const f = entry.fields;
  if (!f || f["original-id"] === undefined || f.stream === undefined) return null;
  if (f.fields === undefined) {
    if (f.payload !== "source") return null;
    return { ...metadataOf(entry.id, f), fields: {}, payloadInSource: { bytes: Number(f["payload-bytes"] ?? 0) } };
  }
  let fields: unknown;
  try {
    fields = JSON.parse(f.fields);
  } catch {
    return null;
  }
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) return null;
  return { ...metadataOf(entry.id, f), fields: fields as Fields };
}

function metadataOf(id: string, f: Fields): Omit<DeadLetter, "fields"> {
  return {
    id,
    originalId: f["original-id"]!,
    stream: f.stream!,
    group: f.group ?? "",
    function: f.function ?? "",
    deliveries: Number(f.deliveries ?? 0),
    error: f.error ?? "",
    failedAt: f["failed-at"] ?? "",
  };
}
