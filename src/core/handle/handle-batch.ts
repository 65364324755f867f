/**
 * Runs a batch's handlers. Each message is first decoded (a JSON body) and
 * checked against the function's schema (prepare-messages.ts: a bad body or
 * a mismatch is dead-lettered at once, never handed to a handler). Then either the whole batch goes to `handleBatch` (whole-batch.ts),
 * or each message to `handle`, with bounded concurrency. Each attempt gets an
 * AbortSignal that fires at `handlerTimeoutMs` (the batch's timeouts share one
 * timer: plain-lanes.ts, or deadlines.ts with `maxHandlerMs`), a budgeted `fetch`, read-only
 * Redis, and its own effects buffer. An attempt that overruns is counted as
 * failed at once; its buffer is sealed, so nothing it writes later is committed.
 */
import type { BatchOptions, Outcome } from "./attempt-context.js";
import { AttemptContext, batchReader, failure, lostTo, overran } from "./attempt-context.js";
import { Deadlines } from "./deadlines.js";
import { Extension } from "./extension.js";
import type { Delivered, Message } from "../define/define.js";
import type { ReadRedis } from "./read-only.js";
import { asIs, prepareMessages } from "./prepare-messages.js";
import { handleWholeBatch } from "./whole-batch.js";
import { plainLanes } from "./plain-lanes.js";
import type { Visibility } from "./visibility.js";

export type { BatchOptions, Outcome } from "./attempt-context.js";

export async function handleBatch(delivered: readonly Delivered[], o: BatchOptions): Promise<Outcome[]> {
  const handleAll = (messages: readonly Message[]) => (o.fn.handleBatch ? handleWholeBatch(messages, o) : inLanes(messages, o));
  const { maxDeliveries } = o;
  const overdue = delivered.some((d) => d.attempt > maxDeliveries);
  if (!o.fn.schema && o.fn.payload !== "json" && !overdue) return handleAll(delivered.map(asIs));
  const outcomes: Outcome[] = new Array(delivered.length);
  // Indices into `delivered` of the messages a handler may see.
  const open: number[] = [];
  delivered.forEach((d, i) => (d.attempt > o.maxDeliveries ? (outcomes[i] = overDelivered(d, o.maxDeliveries)) : open.push(i)));
  const { valid, refused } = await prepareMessages(open.map((i) => delivered[i]!), o.fn);
  for (const r of refused) outcomes[open[r.index]!] = { message: delivered[open[r.index]!]!, ok: false, permanent: true, error: r.error };
  const results = await handleAll(valid.map((v) => v.message));
  valid.forEach((v, j) => (outcomes[open[v.index]!] = results[j]!));
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

/** Concurrent attempts: plain ones (plain-lanes.ts), or with visibility extension, each tracked on the batch's deadlines. */
async function inLanes(messages: readonly Message[], o: BatchOptions): Promise<Outcome[]> {
  const v = o.visibility;
  if (!v) return plainLanes(messages, o);
  const outcomes: Outcome[] = new Array(messages.length);
  const read = batchReader(o);
  const deadlines = new Deadlines(o.handlerTimeoutMs);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < messages.length) {
      const index = next++;
      outcomes[index] = await attempt(messages[index]!, o, v!, read, deadlines);
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, messages.length) }, lane));
  } finally {
    deadlines.close();
  }
  return outcomes;
}

async function attempt(message: Message, o: BatchOptions, v: Visibility, read: ReadRedis, deadlines: Deadlines): Promise<Outcome> {
  const lostBefore = v.lostBecause(message);
  if (lostBefore !== undefined) return lostTo(message, lostBefore);
  const ctx = new AttemptContext(o, read, message.attempt >= o.maxDeliveries);
  let unwatch: (() => void) | undefined;
  let lost: Error | undefined;
  const extension = new Extension(v, o.handlerTimeoutMs, v.maxHandlerMs);
  ctx.extender = (ms) => extension.extend(ms);
  try {
    const work = o.fn.handle!(message, ctx);
    const tracked = deadlines.track(work);
    extension.attach(tracked);
    unwatch = v.watch(message, (error) => {
      lost = error;
      tracked.expire();
    });
    const result = await tracked.result;
    ctx.end();
    if (lost) {
      ctx.abort(lost);
      return lostTo(message, v.lostBecause(message)!);
    }
    if (result === "timeout") return overran(ctx, message, extension.limitMs);
    return { message, ok: true, effects: ctx.written };
  } catch (error) {
    ctx.end();
    ctx.abort(error);
    return failure(message, error);
  } finally {
    unwatch?.();
  }
}
