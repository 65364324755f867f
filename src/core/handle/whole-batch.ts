/**
 * `handleBatch`: the whole batch in one call, each message settled on its
 * own, like Cloudflare Queues' `msg.ack()` / `ackAll()` / `retryAll()` and
 * SQS partial batch responses.
 *
 * - A message is settled once; later calls for it are ignored, so
 *   `msg.ack()` followed by `ctx.retryAll()` keeps that ack.
 * - `ack()` seals the message's effects: it is committed with exactly what
 *   was written before it.
 * - When the handler returns, unsettled messages are acknowledged; when it
 *   throws, they fail with its error (a `PermanentError` dead-letters them);
 *   when it overruns, they fail as timed out.
 * - The call may take `handlerTimeoutMs × ⌈messages / concurrency⌉`: the
 *   time the same batch gets message by message, which the visibility
 *   timeout is already validated against. With `maxHandlerMs`,
 *   `ctx.extendVisibility(ms)` moves it, up to `maxHandlerMs` a round.
 */
import type { BatchOptions, Failure, Outcome } from "./attempt-context.js";
import { failure, runContext, timedOut } from "./attempt-context.js";
import { Deadlines } from "./deadlines.js";
import { Extension } from "./extension.js";
import type { BatchContext, BatchMessage, Message } from "../define/define.js";
import { Effects } from "../define/effects.js";
import { ConfigError } from "../redis/errors.js";

type RetryOptions = { delayMs?: number; reason?: string };

export async function handleWholeBatch(messages: readonly Message[], o: BatchOptions): Promise<Outcome[]> {
  if (messages.length === 0) return [];
  const controller = new AbortController();
  const settled: (Outcome | undefined)[] = new Array(messages.length);
  const effects = messages.map(() => new Effects(o.effectStreams));
  let ended = false;

  const settle = (i: number, outcome: () => Outcome) => {
    if (ended) throw new ConfigError("this batch already ended; settle its messages before handleBatch returns");
    if (settled[i] !== undefined) return;
    // Built before sealing: a refused call (a bad delayMs) leaves the message unsettled and still writable.
    const result = outcome();
    effects[i]!.seal();
    settled[i] = result;
  };
  const retried = (i: number, opts: RetryOptions = {}): Failure => {
    const f: Failure = { message: messages[i]!, ok: false, permanent: false, error: opts.reason ?? "retried by handleBatch" };
    if (opts.delayMs !== undefined) {
      if (!Number.isFinite(opts.delayMs) || opts.delayMs < 0) throw new ConfigError(`retry: \`delayMs\` must be a number ≥ 0; got ${opts.delayMs}`);
      f.delayMs = opts.delayMs;
    }
    return f;
  };
  const acked = (i: number): Outcome => ({ message: messages[i]!, ok: true, effects: effects[i]!.commands });

  const batch: BatchMessage[] = messages.map((m, i) => ({
    ...m,
    effects: effects[i]!,
    lastAttempt: m.attempt >= o.maxDeliveries,
    ack: () => settle(i, () => acked(i)),
    retry: (opts) => settle(i, () => retried(i, opts)),
    deadLetter: (reason) => settle(i, () => ({ message: m, ok: false, permanent: true, error: String(reason).slice(0, 1_000) })),
  }));
  const rounds = Math.ceil(messages.length / Math.max(1, o.concurrency));
  const baseMs = o.handlerTimeoutMs * rounds;
  const deadlines = new Deadlines(baseMs);
  const extension = o.visibility && new Extension(o.visibility, baseMs, o.visibility.maxHandlerMs * rounds);
  const ctx: BatchContext = {
    ...runContext(o, controller.signal, extension && ((ms) => extension.extend(ms))),
    ackAll: () => messages.forEach((_, i) => settle(i, () => acked(i))),
    retryAll: (opts) => messages.forEach((_, i) => settle(i, () => retried(i, opts))),
  };

  let rest: (i: number) => Outcome;
  try {
    const tracked = deadlines.track(o.fn.handleBatch!(batch, ctx));
    extension?.attach(tracked);
    const result = await tracked.result;
    const limitMs = extension?.limitMs ?? baseMs;
    if (result === "timeout") controller.abort(new Error(`handleBatch timed out after ${limitMs} ms`));
    rest = result === "timeout" ? (i) => timedOut(messages[i]!, limitMs) : acked;
  } catch (error) {
    controller.abort(error);
    rest = (i) => failure(messages[i]!, error);
  } finally {
    deadlines.close();
  }
  for (let i = 0; i < messages.length; i++) settle(i, () => rest(i));
  ended = true;
  return settled as Outcome[];
}
