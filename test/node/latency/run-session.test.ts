/**
 * A session spends one invocation on as many runs as are worth making:
 * a retry due within the budget is handled in the same session, a retry due
 * later is left to the next tick, a message written while the wake lease
 * held is read before the session ends, and `pollIntervalMs` polls.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { countingTransport } from "../../../src/core/redis/counting-transport.js";
import type { PollingFunction } from "../../../src/core/define/define.js";
import { runSession } from "../../../src/core/run/run-session.js";
import type { SessionOptions } from "../../../src/core/run/run-session.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const session = (fn: PollingFunction, options?: SessionOptions, t = transport) => runSession(fn, { transport: t, vars: {}, trigger: "cron" }, options);

/** A function failing each message's first delivery, recording when each attempt started. */
function failOnce(options: object) {
  const attempts: { attempt: number; at: number }[] = [];
  const fn = f.fn({
    handle: async (m) => {
      attempts.push({ attempt: m.attempt, at: Date.now() });
      if (m.attempt === 1) throw new Error("transient");
    },
    options: { visibilityTimeoutMs: 6_000, handlerTimeoutMs: 100, ...options },
  });
  return { fn, attempts };
}

describe("retries on time", () => {
  it("waits for a retry due within its budget and handles it in the same session, on time", async () => {
    const DELAY = 1_500;
    const { fn, attempts } = failOnce({ maxRunMs: 5_000, backoff: { strategy: "fixed", baseDelayMs: DELAY, maxDelayMs: DELAY } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ orderID: "a" }]);

    const report = await session(fn);

    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
    const waited = attempts[1]!.at - attempts[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(DELAY);
    expect(waited).toBeLessThan(DELAY + 1_000);
    expect(report).toMatchObject({ read: 1, retried: 1, reclaimed: 1, acked: 1, stopReason: "drained" });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("leaves a retry due after its budget to the next tick, without waiting", async () => {
    const { fn, attempts } = failOnce({ maxRunMs: 2_000, backoff: { strategy: "fixed", baseDelayMs: 3_000, maxDelayMs: 3_000 } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ orderID: "a" }]);

    const began = Date.now();
    const report = await session(fn);

    expect(Date.now() - began).toBeLessThan(1_000);
    expect(attempts.map((a) => a.attempt)).toEqual([1]);
    expect(report).toMatchObject({ read: 1, retried: 1, acked: 0 });
    expect(await pending(f.tcp, fn.stream, fn.group)).toHaveLength(1);
  });
});

describe("the wake lease's last read", () => {
  it("reads a message written while the lease held before the session ends", async () => {
    const seen: string[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m.fields.orderID!) });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ orderID: "first" }]);

    const began = Date.now();
    const running = session(fn, { quietAt: began + 400 });
    await sleep(150); // The first run has drained by now; this write found the lease held.
    await enqueue(f.tcp, fn.stream, [{ orderID: "under-the-lease" }]);
    const report = await running;

    expect(seen).toEqual(["first", "under-the-lease"]);
    expect(report).toMatchObject({ read: 2, acked: 2 });
    expect(Date.now() - began).toBeGreaterThanOrEqual(400);
  });
});

describe("pollIntervalMs", () => {
  it("polls within the tick's budget, so a direct write is handled within an interval", async () => {
    const handledAt: number[] = [];
    const fn = f.fn({ handle: async () => void handledAt.push(Date.now()), options: { pollIntervalMs: 200, maxRunMs: 1_500, handlerTimeoutMs: 500, visibilityTimeoutMs: 6_000 } });
    await f.createGroup(fn);
    const counted = countingTransport(transport);

    const running = session(fn, { poll: true }, counted);
    await sleep(300);
    const writtenAt = Date.now();
    await enqueue(f.tcp, fn.stream, [{ orderID: "direct" }]);
    const report = await running;

    expect(handledAt).toHaveLength(1);
    expect(handledAt[0]! - writtenAt).toBeLessThan(200 + 150);
    // Polls until a batch would no longer fit: maxRunMs − handlerTimeoutMs = 1 s, every 200 ms.
    expect(report.read).toBe(1);
    expect(counted.requests).toBeGreaterThanOrEqual(5);
    expect(counted.requests).toBeLessThanOrEqual(8);
  });

  it("is off by default: an idle tick stays one request and two commands", async () => {
    const fn = f.fn({ handle: async () => undefined });
    await f.createGroup(fn);
    const counted = countingTransport(transport);

    const report = await session(fn, { poll: true }, counted);

    expect([counted.requests, counted.commands]).toEqual([1, 2]);
    expect(report).toMatchObject({ requests: 1, commands: 2, read: 0 });
  });
});
