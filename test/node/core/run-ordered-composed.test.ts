/**
 * `ordered` composed with `rateLimit`, `delays` and `keyConcurrency` (see
 * the README's combination table): per-key order holds, and so does what
 * the other option promises.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { enqueueDelayed } from "../../../src/api/enqueue-delayed.js";
import type { Message } from "../../../src/core/define/define.js";
import type { FunctionOptions } from "../../../src/core/define/options.js";
import { RetryError } from "../../../src/core/redis/errors.js";
import { delayedKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0]) => runFunction(fn, { transport, vars: {}, trigger: "cron" });
const events = (...names: string[]) => names.map((n) => ({ account: n[0]!, seq: n.slice(1), merchant: "m" }));

/** An ordered function keyed by `account` that records `<account><seq>` with the time it was handled. */
function recorder(options: Partial<FunctionOptions>, fail?: (m: Message) => void) {
  const seen: { name: string; at: number; attempt: number }[] = [];
  const fn = f.fn({
    handle: async (m) => {
      seen.push({ name: `${m.fields.account}${m.fields.seq}`, at: Date.now(), attempt: m.attempt });
      fail?.(m);
    },
    options: { ordered: true, partitionKey: "account", visibilityTimeoutMs: 6_000, handlerTimeoutMs: 500, ...options },
  });
  const order = (account: string) => seen.filter((s) => s.name.startsWith(account)).map((s) => s.name);
  return { fn, seen, order };
}

describe("ordered with rateLimit", () => {
  it("hands over at most `limit` per window, each key in enqueue order, and loses nothing", async () => {
    const limit = 4;
    const periodMs = 1_000;
    const { fn, seen, order } = recorder({ rateLimit: { limit, periodMs }, batchSize: 4, concurrency: 4, maxRunMs: 2_600, maxCpuMs: 30_000 });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4", "a5", "b5"));
    for (let i = 0; i < 6 && seen.length < 10; i++) await run(fn);
    expect(order("a")).toEqual(["a1", "a2", "a3", "a4", "a5"]);
    expect(order("b")).toEqual(["b1", "b2", "b3", "b4", "b5"]);
    const perWindow = new Map<number, number>();
    for (const s of seen) perWindow.set(Math.floor(s.at / periodMs), (perWindow.get(Math.floor(s.at / periodMs)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(limit);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("keeps an idle tick to one request that takes the lease and reserves, and gives the tokens back", async () => {
    const { fn } = recorder({ rateLimit: { limit: 10, periodMs: 3_600_000 } });
    await f.createGroup(fn);
    const idle = await run(fn);
    expect(idle).toMatchObject({ read: 0, stopReason: "drained" });
    const keys = (await f.tcp.keys(`{${fn.stream}}:cronsumer-rate:*`)) as string[];
    const counts = await Promise.all(keys.map(async (k) => Number(await f.tcp.get(k))));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe("ordered with delays", () => {
  it("a delayed message takes its place in its key's order when it becomes due, never before", async () => {
    const { fn, seen, order } = recorder({ delays: true });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1"));
    const dueAt = Date.now() + 1_200;
    await enqueueDelayed(transport, fn.stream, events("a2"), dueAt);
    await enqueue(f.tcp, fn.stream, events("a3"));
    await run(fn);
    expect(order("a")).toEqual(["a1", "a3"]);
    await sleep(dueAt - Date.now() + 100);
    await run(fn);
    expect(order("a")).toEqual(["a1", "a3", "a2"]);
    expect(seen.find((s) => s.name === "a2")!.at).toBeGreaterThanOrEqual(dueAt);
    expect(await f.tcp.zCard(delayedKey(fn.stream))).toBe(0);
  });

  it("a retry longer than the visibility timeout is not parked: it stays pending and holds its key", async () => {
    const { fn, order } = recorder({ delays: true, visibilityTimeoutMs: 6_000 }, (m) => {
      if (m.fields.seq === "1" && m.attempt === 1) throw new RetryError("later", { delayMs: 3_600_000 });
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1", "a2"));
    const first = await run(fn);
    expect(first).toMatchObject({ retried: 1 });
    expect(await f.tcp.zCard(delayedKey(fn.stream))).toBe(0);
    expect((await pending(f.tcp, fn.stream, fn.group)).length).toBe(2);
    expect(order("a")).toEqual(["a1"]);
  });

  it("is refused when the backoff could ask for a retry longer than the visibility timeout", () => {
    expect(() => recorder({ delays: true, backoff: { strategy: "fixed", baseDelayMs: 1_000, maxDelayMs: 60_000 } })).toThrow(/`ordered` with `delays`.*maxDelayMs/);
  });
});

describe("ordered with keyConcurrency on another field", () => {
  it("a message held back at its merchant's limit holds its account: no later message of the account passes it", async () => {
    const { fn, seen, order } = recorder({ keyConcurrency: { field: "merchant", max: 1 }, batchSize: 3, concurrency: 3 });
    await f.createGroup(fn);
    // b1 takes merchant m's one lease; a1 (also m) is held back; a2 (merchant n) must wait behind a1.
    await enqueue(f.tcp, fn.stream, [
      { account: "b", seq: "1", merchant: "m" },
      { account: "a", seq: "1", merchant: "m" },
      { account: "a", seq: "2", merchant: "n" },
    ]);
    const first = await run(fn);
    expect(first.heldBack).toBe(1);
    expect(seen.map((s) => s.name)).toEqual(["b1"]);
    for (let i = 0; i < 8 && seen.length < 3; i++) {
      await sleep(600);
      await run(fn);
    }
    expect(order("a")).toEqual(["a1", "a2"]);
    expect(seen.every((s) => s.attempt === 1)).toBe(true);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
