/**
 * What an idempotency key holds, and how a repeat is answered from it. Both
 * ways of writing (idempotency-script.ts, idempotency-steps.ts) leave the
 * same records, so a repeat reads them alike.
 */
import { RedisReplyError } from "../core/errors.js";
import type { EnqueueRequest } from "./enqueue.js";
import { ApiError } from "./errors.js";

export const PENDING_TTL_S = 30;
export const RECORD_TTL_S = 86_400;

export type IdemRecord =
  | { state: "pending"; hash: string }
  | { state: "committed"; hash: string; after: string; count: number }
  | { state: "done"; hash: string; ids: string[] };

export interface Enqueued {
  /** False when a repeat was answered from the record and nothing was written. */
  created: boolean;
  ids: string[];
}

export function parseRecord(value: string): IdemRecord {
  if (value.startsWith("pending:")) return { state: "pending", hash: value.slice(value.lastIndexOf(":") + 1) };
  try {
    const parsed = JSON.parse(value) as IdemRecord;
    if (parsed.state === "committed" || parsed.state === "done") return parsed;
  } catch {
    // Falls through: not written by this module.
  }
  throw new RedisReplyError(`idempotency record is not in a known format: ${value.slice(0, 100)}`);
}

/** The record belongs to another request body (or stream) under the same key. */
export function checkSameRequest(record: IdemRecord, hash: string, key: string): void {
  if (record.hash !== hash) {
    throw new ApiError(422, "idempotency_key_reused", `Idempotency-Key ${JSON.stringify(key)} was used for a different request body on this stream within 24 h`);
  }
}

export function inProgress(key: string, ttlMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return new ApiError(409, "idempotency_in_progress", `a request with Idempotency-Key ${JSON.stringify(key)} is still being written; retry in ${seconds} s`, {
    "Retry-After": String(seconds),
  });
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
