/**
 * The handler API users of Queues, SQS and BullMQ expect, against real Redis
 * through the bridge: typed payloads checked by a schema, a retry delay the
 * handler chooses, the handler's view of its attempts, read-only Redis, and
 * a batch handler that settles each message on its own.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { BatchMessage, HandlerContext, Message } from "../../../src/core/define/define.js";
import { PermanentError, RetryError } from "../../../src/core/redis/errors.js";
import { runFunction } from "../../../src/core/run/run.js";
import { definePollingFunction } from "../../../src/index.js";
import { bridgeTransport, enqueue, entries, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0]) => runFunction(fn, { transport, vars: {}, trigger: "cron" });
/** A backoff no test waits for: a retry that comes back within a test came back by the handler's own delay. */
const SLOW_BACKOFF = { visibilityTimeoutMs: 20_000, handlerTimeoutMs: 1_000, backoff: { strategy: "fixed" as const, baseDelayMs: 15_000, maxDelayMs: 15_000 } };

describe("schema", () => {
  const Order = z.object({ orderID: z.string().min(1), amount: z.coerce.number().positive() });

  it("hands the handler typed data, and dead-letters a mismatch at once with the schema's message", async () => {
    const seen: Message<z.infer<typeof Order>>[] = [];
    const base = f.fn({ handle: async () => {} });
    const fn = definePollingFunction({ ...base, handle: async (m) => void seen.push(m), schema: Order });
    await f.createGroup(fn);
    const [good, bad] = await enqueue(f.tcp, fn.stream, [{ orderID: "o-1", amount: "12.50" }, { orderID: "o-2", amount: "lots" }]);
    await run(fn);
    expect(seen.map((m) => [m.id, m.data])).toEqual([[good, { orderID: "o-1", amount: 12.5 }]]);
    expect(seen[0]!.fields).toEqual({ orderID: "o-1", amount: "12.50" });
    const dlq = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dlq.map((e) => [e.message["original-id"], e.message.deliveries])).toEqual([[bad, "1"]]);
    expect(dlq[0]!.message.error).toMatch(/does not match the function's schema: amount: /);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("refuses a schema that is not a Standard Schema, at definition time", () => {
    expect(() => definePollingFunction({ ...f.fn({ handle: async () => {} }), schema: { parse() {} } as never })).toThrow(/Standard Schema/);
  });
});

describe("the handler's view", () => {
  it("says which attempt this is, of how many, and whether it is the last; RetryError picks the delay", async () => {
    const seen: [number, number, boolean][] = [];
    const fn = f.fn({
      handle: async (m, ctx: HandlerContext) => {
        seen.push([m.attempt, ctx.maxDeliveries, ctx.lastAttempt]);
        throw new RetryError("downstream asked us to come back", { delayMs: 0 });
      },
      options: { ...SLOW_BACKOFF, maxDeliveries: 2 },
    });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ n: "1" }]);
    await run(fn);
    // Due at once by the handler's own delay, not in 15 s by the backoff.
    await run(fn);
    expect(seen).toEqual([
      [1, 2, false],
      [2, 2, true],
    ]);
    const dlq = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dlq.map((e) => e.message["original-id"])).toEqual([id]);
    expect(dlq[0]!.message.error).toBe("RetryError: downstream asked us to come back");
  });

  it("keeps the function's backoff for a plain error", async () => {
    let calls = 0;
    const fn = f.fn({ handle: async () => void (calls++, (() => { throw new Error("transient"); })()), options: SLOW_BACKOFF });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ n: "1" }]);
    await run(fn);
    await run(fn);
    expect(calls).toBe(1);
    expect((await pending(f.tcp, fn.stream, fn.group)).map((p) => p.deliveries)).toEqual([1]);
  });
});

describe("ctx.read", () => {
  it("reads Redis at once, and refuses a write, which must go through effects", async () => {
    const key = `test:read:${crypto.randomUUID()}`;
    await f.tcp.hSet(key, { tier: "gold" });
    const read: unknown[] = [];
    const fn = f.fn({
      handle: async (m, ctx) => {
        read.push(await ctx.read(["HGET", key, "tier"]));
        if (m.fields.write) await ctx.read(["HSET", key, "tier", "lead"]);
      },
      options: SLOW_BACKOFF,
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2", write: "yes" }]);
    const report = await run(fn);
    expect(read).toEqual(["gold", "gold"]);
    expect(await f.tcp.hGet(key, "tier")).toBe("gold");
    expect(report.acked).toBe(1);
    expect(report.retried).toBe(1);
    await f.tcp.del(key);
  });
});

describe("handleBatch", () => {
  it("settles each message on its own: ack with effects, retry with a delay, dead-letter, and ack what is left", async () => {
    const effectsKey = `test:effects:${crypto.randomUUID()}`;
    const calls: string[][] = [];
    const base = f.fn({ handle: async () => {} });
    const fn = definePollingFunction({
      ...base,
      handle: undefined,
      options: { ...base.options, ...SLOW_BACKOFF },
      async handleBatch(messages: BatchMessage[], ctx) {
        calls.push(messages.map((m) => `${m.fields.do}@${m.attempt}`));
        expect(ctx.maxDeliveries).toBe(5);
        for (const m of messages) {
          if (m.fields.do === "ack") m.effects.rpush(effectsKey, m.id), m.ack();
          if (m.fields.do === "retry" && m.attempt === 1) m.retry({ delayMs: 0, reason: "not yet" });
          if (m.fields.do === "dead") m.deadLetter("no such customer");
          if (m.fields.do === "late") m.effects.rpush(effectsKey, m.id); // settled by returning
        }
        // Only what is still unsettled ("late") on the first delivery; on the second, returning acknowledges it.
        if (messages.every((m) => m.attempt === 1)) ctx.retryAll({ delayMs: 0 });
      },
    });
    await f.createGroup(fn);
    const [ack, retry, dead, late] = await enqueue(f.tcp, fn.stream, [{ do: "ack" }, { do: "retry" }, { do: "dead" }, { do: "late" }]);
    const first = await run(fn);
    expect(first).toMatchObject({ acked: 1, retried: 2, deadLettered: 1 });
    expect(await f.tcp.lRange(effectsKey, 0, -1)).toEqual([ack]);
    const dlq = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dlq.map((e) => [e.message["original-id"], e.message.error])).toEqual([[dead, "no such customer"]]);
    // Both retries asked for no delay: the next run has them at once (the backoff would take 15 s).
    await run(fn);
    expect(calls).toEqual([
      ["ack@1", "retry@1", "dead@1", "late@1"],
      ["retry@2", "late@2"],
    ]);
    expect(await f.tcp.lRange(effectsKey, 0, -1)).toEqual([ack, late]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    expect(retry).toBeDefined();
    await f.tcp.del(effectsKey);
  });

  it("when it throws, keeps what it acked and fails the rest with its error; PermanentError dead-letters them", async () => {
    const base = f.fn({ handle: async () => {} });
    const fn = definePollingFunction({
      ...base,
      handle: undefined,
      options: { ...base.options, ...SLOW_BACKOFF },
      async handleBatch(messages) {
        messages[0]!.ack();
        throw new PermanentError("the whole export is malformed");
      },
    });
    await f.createGroup(fn);
    const [first, ...rest] = await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2" }, { n: "3" }]);
    const report = await run(fn);
    expect(report).toMatchObject({ acked: 1, deadLettered: 2 });
    const dlq = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dlq.map((e) => e.message["original-id"])).toEqual(rest);
    expect(dlq.map((e) => e.message.error)).toEqual(["PermanentError: the whole export is malformed", "PermanentError: the whole export is malformed"]);
    expect((await pending(f.tcp, fn.stream, fn.group)).map((p) => p.id)).not.toContain(first);
  });

  it("is refused alongside handle, at definition time", () => {
    expect(() => definePollingFunction({ ...f.fn({ handle: async () => {} }), handleBatch: async () => {} })).toThrow(/exactly one of `handle` and `handleBatch`/);
  });
});

describe("handleBatch refusing a bad call", () => {
  it("leaves the message unsettled and writable, so a later ack commits what it wrote", async () => {
    const effectsKey = `test:effects:${crypto.randomUUID()}`;
    const base = f.fn({ handle: async () => {} });
    const fn = definePollingFunction({
      ...base,
      handle: undefined,
      async handleBatch([m]) {
        expect(() => m!.retry({ delayMs: -1 })).toThrow(/delayMs/);
        m!.effects.rpush(effectsKey, "written after the refused call");
        m!.ack();
      },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ n: "1" }]);
    expect(await run(fn)).toMatchObject({ acked: 1 });
    expect(await f.tcp.lRange(effectsKey, 0, -1)).toEqual(["written after the refused call"]);
    await f.tcp.del(effectsKey);
  });
});
