/**
 * `Idempotency-Key` on enqueue. The guarantee, on Redis, Upstash and the
 * embedded engine: for 24 h
 * after a key's write on a stream, the key never writes again, whatever the
 * timing of repeats, lost answers or requests held in flight; every answer
 * that carries ids carries that one write's ids. A different body under the
 * same key answers 422, like Stripe. The record lives in one Redis key
 * (keys.ts `idempotencyKey`); a store that evicts or flushes it forgets it.
 *
 * The check and the write are one Lua script (idempotency-script.ts), on
 * Redis, on Upstash and on the embedded engine of `npm start` alike.
 */
import { idempotencyKey } from "../core/redis/keys.js";
import type { Transport } from "../core/redis/transport.js";
import type { EnqueueRequest } from "./enqueue.js";
import { ApiError } from "./errors.js";
import type { Enqueued } from "./idempotency-record.js";
import { answerRepeat, requestHash } from "./idempotency-record.js";
import type { ScriptOutcome } from "./idempotency-script.js";
import { enqueueByScript, MAX_SCRIPT_FIELDS } from "./idempotency-script.js";

export type { Enqueued };
export { requestHash };

/** 1 to 200 printable ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

/** The script unpacks a message's fields into one XADD, which Lua bounds. */
export function checkScriptFields(messages: EnqueueRequest["messages"]): void {
  messages.forEach((m, i) => {
    const count = Object.keys(m).length;
    if (count > MAX_SCRIPT_FIELDS) {
      throw new ApiError(400, "too_many_fields", `message ${i} has ${count} fields; with Idempotency-Key a message has at most ${MAX_SCRIPT_FIELDS}`);
    }
  });
}

/** `leaseMs`: take the stream's wake lease in the same script (wake-on-enqueue), counted only if this call writes. */
export async function enqueueOnce(t: Transport, request: EnqueueRequest, key: string, leaseMs?: number): Promise<Enqueued> {
  checkScriptFields(request.messages);
  const hash = await requestHash(request);
  return enqueued(await enqueueByScript(t, request, idempotencyKey(request.stream, key), hash, leaseMs), hash, key);
}

/** A script's outcome as the answer: the ids written, or a repeat answered from its record (422 for another body). */
export const enqueued = (outcome: ScriptOutcome, hash: string, key: string): Enqueued =>
  outcome.written ? { created: true, ids: outcome.ids, wakes: outcome.wakes } : answerRepeat(outcome.record, hash, key);
