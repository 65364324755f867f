/**
 * Failures: retry after a backoff, dead letters after exactly maxDeliveries
 * or at once for a PermanentError, and complete dead-letter entries.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { PermanentError } from "../../../src/core/redis/errors.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, entries, useFixture, pending } from "../../support/engine.js";

const f = useFixture();

const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0]) => runFunction(fn, { transport, vars: {}, trigger: "cron" });

describe("retries", () => {
  it("keeps a failed message pending and makes it eligible only after its backoff delay", async () => {
    const seen: Message[] = [];
    const VT = 6_000;
    const DELAY = 1_500;
    const fn = f.fn({
      handle: async (m) => {
        seen.push(m);
        if (m.attempt === 1) throw new Error("transient");
      },
      options: { visibilityTimeoutMs: VT, handlerTimeoutMs: 100, backoff: { strategy: "fixed", baseDelayMs: DELAY, maxDelayMs: DELAY } },
    });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ orderID: "a" }]);

    const first = await run(fn);
    expect(first).toMatchObject({ read: 1, retried: 1, acked: 0 });
    const [parked] = await pending(f.tcp, fn.stream, fn.group);
    // Its idle time was set to visibility − delay, so it is reclaimable `delay` from now.
    expect(parked).toMatchObject({ id, deliveries: 1 });
    expect(parked!.idleMs).toBeGreaterThanOrEqual(VT - DELAY);
    expect(parked!.idleMs).toBeLessThan(VT);

    const tooSoon = await run(fn);
    expect(tooSoon.reclaimed).toBe(0);
    expect(seen).toHaveLength(1);

    await sleep(DELAY + 100);
    const later = await run(fn);
    expect(later).toMatchObject({ reclaimed: 1, acked: 1 });
    expect(seen.map((m) => m.attempt)).toEqual([1, 2]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("grows the delay with the attempt number", async () => {
    const VT = 60_000;
    const fn = f.fn({
      handle: async () => {
        throw new Error("down");
      },
      options: { visibilityTimeoutMs: VT, maxDeliveries: 10, backoff: { strategy: "exponential", baseDelayMs: 1_000, maxDelayMs: 30_000 } },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ orderID: "a" }]);
    const idleAfter: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      await run(fn);
      idleAfter.push((await pending(f.tcp, fn.stream, fn.group))[0]!.idleMs);
      await age(f.tcp, fn.stream, fn.group, VT);
    }
    // Delays 1 s, 2 s, 4 s, 8 s: idle is set to visibility − delay.
    const delays = idleAfter.map((idle) => VT - idle);
    for (const [i, expected] of [1_000, 2_000, 4_000, 8_000].entries()) {
      expect(delays[i]).toBeGreaterThan(expected - 500);
      expect(delays[i]).toBeLessThanOrEqual(expected);
    }
  });
});

describe("dead letters", () => {
  it("moves a message to the dead-letter stream after exactly maxDeliveries deliveries, with a complete entry", async () => {
    const attempts: number[] = [];
    const fn = f.fn({
      handle: async (m) => {
        attempts.push(m.attempt);
        throw new Error(`provider down (attempt ${m.attempt})`);
      },
      options: { maxDeliveries: 3, backoff: { strategy: "fixed", baseDelayMs: 0, maxDelayMs: 0 } },
    });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ orderID: "o-9", amount: "12.50" }]);
    const before = Date.now();
    for (let i = 0; i < 5; i++) await run(fn);

    expect(attempts).toEqual([1, 2, 3]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    const dlq = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dlq).toHaveLength(1);
    const entry = dlq[0]!.message;
    expect(entry).toMatchObject({
      "original-id": id,
      stream: fn.stream,
      group: "g",
      function: fn.name,
      deliveries: "3",
      error: "provider down (attempt 3)",
      fields: JSON.stringify({ orderID: "o-9", amount: "12.50" }),
    });
    expect(Date.parse(entry["failed-at"]!)).toBeGreaterThanOrEqual(before - 1_000);
    // The source entry stays in the stream: dead-lettering acknowledges, it does not delete.
    expect((await entries(f.tcp, fn.stream)).map((e) => e.id)).toEqual([id]);
  });

  it("dead-letters a PermanentError after one delivery", async () => {
    const attempts: number[] = [];
    const fn = f.fn({
      handle: async (m) => {
        attempts.push(m.attempt);
        throw new PermanentError("orderID is missing");
      },
    });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ amount: "5" }]);
    const report = await run(fn);
    expect(report).toMatchObject({ deadLettered: 1, retried: 0, acked: 0 });
    expect(attempts).toEqual([1]);
    const dlq = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dlq.map((e) => e.message)).toEqual([expect.objectContaining({ "original-id": id, deliveries: "1", error: "PermanentError: orderID is missing" })]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("counts a handler that overruns handlerTimeoutMs as failed, aborts its signal, and discards its late writes", async () => {
    let aborted = false;
    const fn = f.fn({
      handle: async (m, ctx) => {
        ctx.signal.addEventListener("abort", () => (aborted = true));
        await sleep(300);
        try {
          ctx.effects.incrBy(`test:effects:late-${m.id}`);
        } catch {
          // Sealed: the write is refused, as it should be.
        }
      },
      options: { handlerTimeoutMs: 50, maxDeliveries: 1 },
    });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ orderID: "slow" }]);
    const report = await run(fn);
    expect(aborted).toBe(true);
    expect(report).toMatchObject({ deadLettered: 1, acked: 0 });
    const dlq = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dlq[0]!.message.error).toBe("handler timed out after 50 ms");
    await sleep(350);
    expect(await f.tcp.exists(`test:effects:late-${id}`)).toBe(0);
  });
});
