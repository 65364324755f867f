/**
 * Runs a batch's handlers. Each message is first checked against the
 * function's schema (a mismatch is dead-lettered at once, never handed to a
 * handler). Then either the whole batch goes to `handleBatch` (whole-batch.ts),
 * or each message to `handle`, with bounded concurrency. Each attempt gets an
 * AbortSignal that fires at `handlerTimeoutMs` (the batch's timeouts share one
 * timer: deadlines.ts), a budgeted `fetch`, read-only
 * Redis, and its own effects buffer. An attempt that overruns is counted as
 * failed at once; its buffer is sealed, so nothing it writes later is committed.
 */
import type { BatchOptions, Outcome } from "./attempt-context.js";
import { AttemptContext, batchReader, failure, lostTo, timedOut } from "./attempt-context.js";
import { Deadlines } from "./deadlines.js";
import { Extension } from "./extension.js";
import type { Delivered, Message } from "../define/define.js";
import type { ReadRedis } from "./read-only.js";
import type { Checked } from "../define/standard-schema.js";
import { checkFields } from "../define/standard-schema.js";
import { handleWholeBatch } from "./whole-batch.js";

export type { BatchOptions, Outcome } from "./attempt-context.js";

export async function handleBatch(delivered: readonly Delivered[], o: BatchOptions): Promise<Outcome[]> {
  // Without a schema, `data` is the fields themselves and every message goes on: no promise, no check per message.
  if (!o.fn.schema && !delivered.some((d) => d.attempt > o.maxDeliveries)) {
    const messages = delivered.map((d): Message => ({ ...d, data: d.fields }));
    return o.fn.handleBatch ? handleWholeBatch(messages, o) : inLanes(messages, o);
  }
  const outcomes: Outcome[] = new Array(delivered.length);
  const schema = o.fn.schema;
  const checked = await Promise.all(delivered.map((d) => (schema ? safeCheck(schema, d) : { ok: true as const, data: d.fields })));
  const valid: { index: number; message: Message }[] = [];
  checked.forEach((c, index) => {
    const d = delivered[index]!;
    if (d.attempt > o.maxDeliveries) outcomes[index] = overDelivered(d, o.maxDeliveries);
    else if (c.ok) valid.push({ index, message: { ...d, data: c.data as Message["data"] } });
    else outcomes[index] = { message: d, ok: false, permanent: true, error: c.error };
  });
  const messages = valid.map((v) => v.message);
  const results = o.fn.handleBatch ? await handleWholeBatch(messages, o) : await inLanes(messages, o);
  valid.forEach((v, j) => (outcomes[v.index] = results[j]!));
  return outcomes;
}

/**
 * A message back on its stream with its deliveries already at the limit
 * (reentry.ts: its dead-letter move failed after its XACK): dead-lettered
 * again, counting only the deliveries a handler really saw.
 */
function overDelivered(d: Delivered, maxDeliveries: number): Outcome {
  const deliveries = d.priorDeliveries ?? d.attempt - 1;
  const error = `delivered ${deliveries} time(s) already (maxDeliveries ${maxDeliveries}); it came back to its stream after a failed dead-letter move, so no handler sees it again`;
  return { message: { ...d, attempt: deliveries }, ok: false, permanent: true, error };
}

const safeCheck = (schema: NonNullable<BatchOptions["fn"]["schema"]>, d: Delivered): Promise<Checked<unknown>> =>
  checkFields(schema, d.fields).catch((e: unknown) => ({ ok: false as const, error: `schema check threw: ${String(e)}` }));

async function inLanes(messages: readonly Message[], o: BatchOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(messages.length);
  const read = batchReader(o);
  const deadlines = new Deadlines(o.handlerTimeoutMs);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < messages.length) {
      const index = next++;
      outcomes[index] = await attempt(messages[index]!, o, read, deadlines);
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, messages.length) }, lane));
  } finally {
    deadlines.close();
  }
  return outcomes;
}

async function attempt(message: Message, o: BatchOptions, read: ReadRedis, deadlines: Deadlines): Promise<Outcome> {
  const v = o.visibility;
  const lostBefore = v?.lostBecause(message.id);
  if (lostBefore !== undefined) return lostTo(message, lostBefore);
  const ctx = new AttemptContext(o, read, message.attempt >= o.maxDeliveries);
  let unwatch: (() => void) | undefined;
  let lost: Error | undefined;
  const extension = v && new Extension(v, o.handlerTimeoutMs, v.maxHandlerMs);
  if (extension) ctx.extender = (ms) => extension.extend(ms);
  try {
    const tracked = deadlines.track(o.fn.handle!(message, ctx));
    extension?.attach(tracked);
    unwatch = v?.watch(message.id, (error) => {
      lost = error;
      tracked.expire();
    });
    const result = await tracked.result;
    ctx.end();
    if (lost) {
      ctx.abort(lost);
      return lostTo(message, v!.lostBecause(message.id)!);
    }
    if (result === "timeout") {
      const limitMs = extension?.limitMs ?? o.handlerTimeoutMs;
      ctx.abort(new Error(`handler timed out after ${limitMs} ms`));
      return timedOut(message, limitMs);
    }
    return { message, ok: true, effects: ctx.written };
  } catch (error) {
    ctx.end();
    ctx.abort(error);
    return failure(message, error);
  } finally {
    unwatch?.();
  }
}
