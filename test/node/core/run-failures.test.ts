/**
 * Failures inside a run that must neither lose messages nor hide: a hung
 * downstream under backlog (backpressure through the gate), a read refused
 * by the server, a dead-letter XADD that fails after its XACK, a group
 * deleted mid-run, a commit that never arrived, a failed retention, and a
 * handler fetch refused by the run's budget.
 */
import { describe, expect, it } from "vitest";
import { fromRecovery } from "../../../src/core/run/fetch.js";
import { gateKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import type { FaultContext } from "../../../src/dev/bridge/faults.js";
import { age, bridgeTransport, enqueue, entries, faultyBridge, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const VT = 60_000;
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderID: `o${i}` }));

describe("backpressure", () => {
  it("keeps pending bounded while the downstream hangs, recovers parked messages, then drains everything", async () => {
    let healthy = false;
    const seen = new Set<string>();
    const fn = f.fn({
      handle: async (m, ctx) => {
        if (healthy) return void seen.add(m.id);
        await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
      },
      options: { visibilityTimeoutMs: VT, maxPending: 20, batchSize: 10, handlerTimeoutMs: 40, maxRunMs: 100, maxDeliveries: 100 },
    });
    const ids = await enqueue(f.tcp, fn.stream, orders(100));
    const highWater: number[] = [];
    for (let i = 0; i < 12; i++) {
      await runFunction(fn, { transport, vars: {}, trigger: "cron", slot: i });
      highWater.push((await pending(f.tcp, fn.stream, fn.group)).length);
      await age(f.tcp, fn.stream, fn.group, VT);
    }
    expect(Math.max(...highWater)).toBeLessThanOrEqual(20 + 10);
    expect(await f.tcp.exists(gateKey(fn.stream))).toBe(0);

    healthy = true;
    for (let i = 0; i < 40 && seen.size < 100; i++) {
      await runFunction(fn, { transport, vars: {}, trigger: "cron", slot: i });
      await age(f.tcp, fn.stream, fn.group, VT);
    }
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    expect(await f.tcp.exists(gateKey(fn.stream))).toBe(1);
  });

  it("goes on to recovery when the server refuses the first read (Upstash's per-consumer PEL limit)", async () => {
    const seen: string[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m.id), options: { visibilityTimeoutMs: VT } });
    await f.createGroup(fn);
    const stuck = await enqueue(f.tcp, fn.stream, orders(3));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "dead", "COUNT", "10", "STREAMS", fn.stream, ">"]);
    await age(f.tcp, fn.stream, fn.group, VT);
    // Redis is real; only the read's answer is replaced by the refusal Upstash sends at its limit.
    const refusing: Transport = {
      pipeline: async (commands) => {
        const results = await transport.pipeline(commands);
        return results.map((x, i) => (commands[i]![0] === "XREADGROUP" ? { error: "ERR XReadGroup is cancelled. Pending Entries List limit per consumer is reached" } : x));
      },
      transaction: (commands) => transport.transaction(commands),
    };
    const report = await runFunction(fn, { transport: refusing, vars: {}, trigger: "cron" });
    expect(seen).toEqual(stuck);
    expect(report).toMatchObject({ reclaimed: 3, acked: 3, read: 0 });
    expect(report.error).toMatch(/read refused: ERR XReadGroup is cancelled/);
  });
});

describe("commits that fail in part", () => {
  it("puts a message back on its stream when its dead-letter XADD fails after the XACK, and says so", async () => {
    const fn = f.fn({
      handle: async () => {
        throw new Error("poison");
      },
      options: { maxDeliveries: 1 },
    });
    await f.createGroup(fn);
    await f.tcp.set(fn.options.deadLetterStream!, "not a stream");
    const [id] = await enqueue(f.tcp, fn.stream, [{ orderID: "p" }]);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report.deadLettered).toBe(0);
    expect(report.error).toMatch(/dead-letter failed: WRONGTYPE.*1 dead letter\(s\) put back on their source stream/s);
    const back = (await entries(f.tcp, fn.stream)).filter((e) => e.id !== id);
    // Back for its own group only, with the delivery it had (reentry.ts).
    expect(back.map((e) => e.message)).toEqual([{ orderID: "p", "cronsumer-replay-to": fn.group, "cronsumer-deliveries": "1" }]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("reports an XACK that settled fewer ids than sent (the group was deleted mid-run)", async () => {
    const fn = f.fn({
      handle: async (m) => {
        if (m.fields.orderID === "o0") await f.tcp.sendCommand(["XGROUP", "DESTROY", fn.stream, fn.group]);
      },
      options: { startId: "$" },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(2));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report.error).toMatch(/XACK settled 0 of 2 ids/);
  });

  it("counts nothing as acknowledged when the commit never reached Redis", async () => {
    const fn = f.fn({ handle: async () => {} });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(3));
    const broken = await faultyBridge({ before: (ctx) => (ctx.path === "/multi-exec" ? { status: 503 } : undefined) });
    const report = await runFunction(fn, { transport: broken.transport, vars: {}, trigger: "cron" });
    await broken.close();
    expect(report).toMatchObject({ read: 3, handled: 3, acked: 0, stopReason: "error" });
    expect((await pending(f.tcp, fn.stream, fn.group)).length).toBe(3);
  });

  it("reports a retention failure as the run's error", async () => {
    const fn = f.fn({ handle: async () => {}, options: { retention: {} } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(2));
    const broken = await faultyBridge({ before: (ctx) => (ctx.commands.some((c) => c[0] === "XTRIM") ? "drop" : undefined) });
    const report = await runFunction(fn, { transport: broken.transport, vars: {}, trigger: "cron" });
    await broken.close();
    expect(report).toMatchObject({ acked: 2, stopReason: "error" });
    expect(report.error).toMatch(/TransportError/);
    const stored = (await f.tcp.lRange(`cronsumer:runs:${fn.name}`, 0, -1)).map((x) => JSON.parse(x));
    expect(stored).toEqual([report]);
  });
});

describe("a dead-letter move whose connection drops", () => {
  it.each<["before" | "after"]>([["before"], ["after"]])(
    "cut off %s Redis ran it: the message ends up once in the dead-letter stream and nowhere pending",
    async (when) => {
      let seen = 0;
      const fn = f.fn({
        handle: async () => {
          seen += 1;
          throw new Error("poison");
        },
        options: { maxDeliveries: 1, visibilityTimeoutMs: VT },
      });
      await f.createGroup(fn);
      const [id] = await enqueue(f.tcp, fn.stream, [{ orderID: "p" }]);
      let drops = 0;
      const hook = (ctx: FaultContext) => {
        if (drops > 0 || !ctx.commands.some((c) => c[0] === "XADD" && c[1] === fn.options.deadLetterStream)) return undefined;
        drops += 1;
        return "drop" as const;
      };
      const faulty = await faultyBridge(when === "before" ? { before: hook } : { after: hook });
      const first = await runFunction(fn, { transport: faulty.transport, vars: {}, trigger: "cron" });
      await faulty.close();
      expect(drops).toBe(1);
      expect(first.stopReason).toBe("error");

      await age(f.tcp, fn.stream, fn.group, VT);
      await runFunction(fn, { transport, vars: {}, trigger: "cron" });

      const dead = await entries(f.tcp, fn.options.deadLetterStream!);
      expect(dead.map((d) => [d.message["original-id"], JSON.parse(d.message.fields!)])).toEqual([[id, { orderID: "p" }]]);
      expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
      // Out of deliveries after the first attempt: the second run dead-letters it without handling it again.
      expect(seen).toBe(1);
    },
  );
});

describe("the subrequest budget", () => {
  it("puts back a message whose fetch the budget refused, without spending one of its deliveries", async () => {
    const fakeFetch = (async () => new Response("ok")) as typeof fetch;
    const fn = f.fn({
      handle: async (_m, ctx) => {
        await ctx.fetch("http://127.0.0.1:9/a");
        await ctx.fetch("http://127.0.0.1:9/b");
      },
      options: { batchSize: 5, concurrency: 5, maxSubrequests: 8, fetchesPerMessage: 1 },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(5));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron", fetch: fakeFetch });
    expect(report.requests + report.fetches).toBeLessThanOrEqual(8);
    const left = await pending(f.tcp, fn.stream, fn.group);
    expect(left.length).toBe(5 - report.acked);
    expect(left.length).toBeGreaterThan(0);
    // Put back as never delivered, and eligible at once.
    for (const p of left) {
      expect(p.deliveries).toBe(0);
      expect(p.idleMs).toBeGreaterThanOrEqual(60_000);
    }
    expect(report.retried).toBe(0);
  });
});

describe("Redis 6.2's XAUTOCLAIM", () => {
  it("maps a bare nil to the id XPENDING listed at the same position, to acknowledge it", () => {
    const target = { stream: "s", group: "g", consumer: "c" };
    const before = [
      { id: "1-0", consumer: "x", idleMs: 70_000, deliveries: 1 },
      { id: "2-0", consumer: "x", idleMs: 70_000, deliveries: 2 },
    ];
    const fetched = fromRecovery(target, before, { cursor: "0-0", claimed: [{ id: "1-0", fields: { a: "1" } }], deleted: [], nilPositions: [{ index: 1, id: null }] }, { maxDeliveries: 5, visibilityTimeoutMs: 60_000 });
    expect(fetched.toHandle.map((m) => [m.id, m.attempt])).toEqual([["1-0", 2]]);
    expect(fetched.trimmed).toEqual([{ id: "2-0", stream: "s" }]);
    expect(fetched.dropped).toBe(1);
  });
});
