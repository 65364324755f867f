/**
 * Runs a batch's handlers. Each message is first checked against the
 * function's schema (a mismatch is dead-lettered at once, never handed to a
 * handler). Then either the whole batch goes to `handleBatch` (whole-batch.ts),
 * or each message to `handle`, with bounded concurrency. Each attempt gets an
 * AbortSignal that fires at `handlerTimeoutMs`, a budgeted `fetch`, read-only
 * Redis, and its own effects buffer. An attempt that overruns is counted as
 * failed at once; its buffer is sealed, so nothing it writes later is committed.
 */
import type { BatchOptions, Outcome } from "./attempt-context.js";
import { failure, runContext, timedOut, withTimeout } from "./attempt-context.js";
import type { Delivered, HandlerContext, Message } from "./define.js";
import { Effects } from "./effects.js";
import type { Checked } from "./standard-schema.js";
import { checkFields } from "./standard-schema.js";
import { handleWholeBatch } from "./whole-batch.js";

export type { BatchOptions, Outcome } from "./attempt-context.js";

export async function handleBatch(delivered: readonly Delivered[], o: BatchOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(delivered.length);
  // Without a schema, `data` is the fields themselves and every message goes on: no promise per message.
  const checked = o.fn.schema ? await Promise.all(delivered.map((d) => safeCheck(o.fn.schema!, d))) : delivered.map((d) => ({ ok: true as const, data: d.fields }));
  const valid: { index: number; message: Message }[] = [];
  checked.forEach((c, index) => {
    const d = delivered[index]!;
    if (c.ok) valid.push({ index, message: { ...d, data: c.data as Message["data"] } });
    else outcomes[index] = { message: d, ok: false, permanent: true, error: c.error };
  });
  const messages = valid.map((v) => v.message);
  const results = o.fn.handleBatch ? await handleWholeBatch(messages, o) : await inLanes(messages, o);
  valid.forEach((v, j) => (outcomes[v.index] = results[j]!));
  return outcomes;
}

const safeCheck = (schema: NonNullable<BatchOptions["fn"]["schema"]>, d: Delivered): Promise<Checked<unknown>> =>
  checkFields(schema, d.fields).catch((e: unknown) => ({ ok: false as const, error: `schema check threw: ${String(e)}` }));

async function inLanes(messages: readonly Message[], o: BatchOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(messages.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < messages.length) {
      const index = next++;
      outcomes[index] = await attempt(messages[index]!, o);
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.concurrency, messages.length) }, lane));
  return outcomes;
}

async function attempt(message: Message, o: BatchOptions): Promise<Outcome> {
  const controller = new AbortController();
  const effects = new Effects();
  const ctx: HandlerContext = { ...runContext(o, controller.signal), effects, lastAttempt: message.attempt >= o.maxDeliveries };
  try {
    const result = await withTimeout(o.fn.handle!(message, ctx), o.handlerTimeoutMs);
    effects.seal();
    if (result === "timeout") {
      controller.abort(new Error(`handler timed out after ${o.handlerTimeoutMs} ms`));
      return timedOut(message, o.handlerTimeoutMs);
    }
    return { message, ok: true, effects: effects.commands };
  } catch (error) {
    effects.seal();
    controller.abort(error);
    return failure(message, error);
  }
}
