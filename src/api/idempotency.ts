/**
 * `Idempotency-Key` on enqueue. The guarantee, on Redis and Upstash: for 24 h
 * after a key's write on a stream, the key never writes again, whatever the
 * timing of repeats, lost answers or requests held in flight; every answer
 * that carries ids carries that one write's ids. A different body under the
 * same key answers 422, like Stripe. The record lives in one Redis key
 * (keys.ts `idempotencyKey`); a store that evicts or flushes it forgets it.
 *
 * The check and the write are one Lua script (idempotency-script.ts). A store
 * without EVAL (the embedded engine of `npm start`) falls back to three
 * requests without Lua (idempotency-steps.ts), whose guarantee holds only
 * while a write reaches Redis within 30 s, and says so in a warning.
 */
import { idempotencyKey } from "../core/keys.js";
import type { Transport } from "../core/transport.js";
import type { EnqueueRequest } from "./enqueue.js";
import { ApiError } from "./errors.js";
import type { Enqueued } from "./idempotency-record.js";
import { requestHash } from "./idempotency-record.js";
import { enqueueByScript, MAX_SCRIPT_FIELDS } from "./idempotency-script.js";
import { answerRepeat, enqueueInSteps } from "./idempotency-steps.js";

export type { Enqueued };
export { requestHash };

/** 1 to 200 printable ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

let warned = false;

export async function enqueueOnce(t: Transport, request: EnqueueRequest, key: string, now: () => number = Date.now): Promise<Enqueued> {
  request.messages.forEach((m, i) => {
    const count = Object.keys(m).length;
    if (count > MAX_SCRIPT_FIELDS) {
      throw new ApiError(400, "too_many_fields", `message ${i} has ${count} fields; with Idempotency-Key a message has at most ${MAX_SCRIPT_FIELDS}`);
    }
  });
  const hash = await requestHash(request);
  const redisKey = idempotencyKey(request.stream, key);
  const outcome = await enqueueByScript(t, request, redisKey, hash);
  if (outcome.written) return { created: true, ids: outcome.ids };
  if ("record" in outcome) return answerRepeat(t, request, key, redisKey, hash, outcome.record, outcome.ttlMs);
  if (request.dueAt !== undefined) {
    // Delayed messages need EVAL anyway: only the promotion script ever delivers them.
    throw new ApiError(501, "delays_need_lua", "this Redis has no EVAL, which delayed messages need (a script moves them into the stream); use Redis or Upstash");
  }
  if (!warned) {
    warned = true;
    console.warn(
      "cronsumer: this Redis has no EVAL, so Idempotency-Key falls back to three requests without Lua: a write held in flight for over 10 s could land twice. Use Redis or Upstash in production.",
    );
  }
  return enqueueInSteps(t, request, key, redisKey, hash, now);
}
