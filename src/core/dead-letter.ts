/**
 * The dead-letter entry format. Original fields are kept as one JSON field,
 * so they can never collide with the metadata and replay restores them exactly.
 */
import type { Fields, StreamEntry } from "./parse-replies.js";

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
  fields: Fields;
}

export function deadLetterFields(d: Omit<DeadLetter, "id">): Fields {
  return {
    "original-id": d.originalId,
    stream: d.stream,
    group: d.group,
    function: d.function,
    deliveries: String(d.deliveries),
    error: d.error,
    "failed-at": d.failedAt,
    fields: JSON.stringify(d.fields),
  };
}

/** Reads an entry of a dead-letter stream; null if it is not in this format. */
export function parseDeadLetter(entry: StreamEntry): DeadLetter | null {
  const f = entry.fields;
  if (!f || f["original-id"] === undefined || f.fields === undefined || f.stream === undefined) return null;
  let fields: unknown;
  try {
    fields = JSON.parse(f.fields);
  } catch {
    return null;
  }
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) return null;
  return {
    id: entry.id,
    originalId: f["original-id"],
    stream: f.stream,
    group: f.group ?? "",
    function: f.function ?? "",
    deliveries: Number(f.deliveries ?? 0),
    error: f.error ?? "",
    failedAt: f["failed-at"] ?? "",
    fields: fields as Fields,
  };
}
