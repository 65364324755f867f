/**
 * Budgets, overlap and consumer bounds: a run stops cleanly before a limit
 * would be passed, overlapping runs never hand one message to two handlers,
 * and however many runs happen, consumer names stay within the pool.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, useFixture, pending } from "../../support/engine.js";

const f = useFixture();

const transport = bridgeTransport();
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderID: `o${i}` }));

describe("budgets", () => {
  it("stops at maxMessages with stopReason 'messages', leaving the rest unread", async () => {
    const fn = f.fn({ handle: async () => {}, options: { batchSize: 10, maxMessages: 15 } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(40));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report).toMatchObject({ read: 15, acked: 15, stopReason: "messages" });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    const groups = (await f.tcp.sendCommand(["XINFO", "GROUPS", fn.stream])) as unknown[][];
    expect(groups[0]).toContain(25); // lag: what it never read is still waiting
  });

  it("stops at maxSubrequests with stopReason 'subrequests', never exceeding it, and commits what it read", async () => {
    const fn = f.fn({ handle: async () => {}, options: { batchSize: 10, maxSubrequests: 4 } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(100));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report.stopReason).toBe("subrequests");
    expect(report.requests).toBeLessThanOrEqual(4);
    expect(report.read).toBe(30);
    expect(report.acked).toBe(30);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("counts handler fetches against the subrequest budget and reads only what it can finish", async () => {
    let fetches = 0;
    const fakeFetch = (async () => {
      fetches += 1;
      return new Response("ok");
    }) as typeof fetch;
    const fn = f.fn({
      handle: async (_m, ctx) => {
        await ctx.fetch("http://127.0.0.1:9/never-reached");
      },
      options: { batchSize: 10, maxSubrequests: 12, fetchesPerMessage: 1 },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(50));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron", fetch: fakeFetch });
    expect(report.stopReason).toBe("subrequests");
    expect(report.requests + report.fetches).toBeLessThanOrEqual(12);
    expect(report.fetches).toBe(fetches);
    expect(report.acked).toBe(report.read);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("stops with stopReason 'time' before maxRunMs, reading no batch it could not finish", async () => {
    const fn = f.fn({
      handle: async () => sleep(40),
      options: { batchSize: 2, concurrency: 1, handlerTimeoutMs: 100, maxRunMs: 450 },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(50));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report.stopReason).toBe("time");
    expect(report.read).toBeGreaterThan(0);
    expect(report.read).toBeLessThan(50);
    expect(report.acked).toBe(report.read);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("stops reading new messages while the group has maxPending entries (backpressure)", async () => {
    const fn = f.fn({ handle: async () => {}, options: { batchSize: 5, concurrency: 5, maxPending: 20 } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(60));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "busy", "COUNT", "25", "STREAMS", fn.stream, ">"]);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    // The first read happens before the summary is known; after it, none.
    expect(report.read).toBe(5);
    expect(report.stopReason).toBe("drained");
  });
});

describe("overlapping runs", () => {
  it("never hand the same message to two handlers, for new and for reclaimed messages", async () => {
    const deliveries = new Map<string, number>();
    const fn = f.fn({
      handle: async (m) => {
        deliveries.set(m.id, (deliveries.get(m.id) ?? 0) + 1);
        await sleep(Math.random() * 5);
      },
      // Four runs must take all 200 between them: the Paid plan's CPU budget, so that only overlap is tested.
      options: { batchSize: 7, concurrency: 3, maxCpuMs: 30_000 },
    });
    await f.createGroup(fn);
    const stuck = await enqueue(f.tcp, fn.stream, orders(60));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "dead", "COUNT", "60", "STREAMS", fn.stream, ">"]);
    await age(f.tcp, fn.stream, fn.group, 60_000);
    const fresh = await enqueue(f.tcp, fn.stream, orders(140));
    const reports = await Promise.all(
      [0, 1, 2, 3].map((slot) => runFunction(fn, { transport, vars: {}, trigger: slot === 0 ? "cron" : "manual", slot })),
    );
    expect([...deliveries.values()].filter((n) => n > 1)).toEqual([]);
    expect([...deliveries.keys()].sort()).toEqual([...stuck, ...fresh].sort());
    expect(reports.reduce((s, r) => s + r.reclaimed, 0)).toBe(60);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});

describe("consumers", () => {
  it("stay within consumerPoolSize after 200 runs, and a consumer with pending entries is never deleted", async () => {
    const fn = f.fn({ handle: async () => {}, options: { consumerPoolSize: 2 } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(1));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "someone-else", "COUNT", "1", "STREAMS", fn.stream, ">"]);
    for (let i = 0; i < 200; i++) {
      // Redis 7 creates a consumer only when XREADGROUP delivers to it: give both slots work.
      if (i % 20 < 2) await enqueue(f.tcp, fn.stream, orders(3));
      await runFunction(fn, { transport, vars: {}, trigger: "cron", slot: i });
    }
    const consumers = (await f.tcp.xInfoConsumers(fn.stream, fn.group)) as { name: string; pending: number }[];
    const names = consumers.map((c) => c.name).sort();
    expect(names).toEqual(["someone-else", `${fn.name}-0`, `${fn.name}-1`].sort());
    expect(consumers.find((c) => c.name === "someone-else")!.pending).toBe(1);
  });
});
