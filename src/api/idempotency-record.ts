/**
 * What an idempotency key holds (written by idempotency-script.ts), and how
 * a repeat is answered from it.
 */
import { RedisReplyError } from "../core/redis/errors.js";
import type { EnqueueRequest } from "./enqueue.js";
import { ApiError } from "./errors.js";

export const RECORD_TTL_S = 86_400;

export interface IdemRecord {
  state: "done";
  hash: string;
  ids: string[];
}

export interface Enqueued {
  /** False when a repeat was answered from the record and nothing was written. */
  created: boolean;
  ids: string[];
  /** True when the write took its stream's wake lease (asked for with `leaseMs`) and the lease says to start a session. */
  wakes?: boolean;
}

function parseRecord(value: string): IdemRecord {
  try {
    const parsed = JSON.parse(value) as IdemRecord;
    if (parsed.state === "done" && Array.isArray(parsed.ids)) return parsed;
  } catch {
    // Falls through: not written by this module.
  }
  throw new RedisReplyError(`idempotency record is not in a known format: ${value.slice(0, 100)}`);
}

/** A repeat: the original ids, or 422 when the key was used for another body (or stream). */
export function answerRepeat(value: string, hash: string, key: string): Enqueued {
  const record = parseRecord(value);
  if (record.hash !== hash) {
    throw new ApiError(422, "idempotency_key_reused", `Idempotency-Key ${JSON.stringify(key)} was used for a different request body on this stream within 24 h`);
  }
  return { created: false, ids: record.ids };
}

export function outcomeUnknown(error: Error): ApiError {
  return new ApiError(
    503,
    "redis_unavailable",
    `${error.message}. The write may or may not have happened: repeat with the same Idempotency-Key; it answers the ids if it did, and writes once if it did not`,
    {},
    { cause: error },
  );
}

/** SHA-256 of everything a write depends on: the stream, the messages, `maxlen`, and a delay as asked (not the due time it gave). */
export async function requestHash({ stream, messages, maxlen, delay }: EnqueueRequest): Promise<string> {
  const hashed = { stream, messages, maxlen: maxlen ?? null, ...(delay === undefined ? {} : { delay }) };
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(hashed)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
