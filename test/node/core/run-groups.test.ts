/**
 * The seed's independent groups, its fire-and-forget NOACK mode, and safe
 * retention: trimming never removes what some group still needs.
 */
import { describe, expect, it } from "vitest";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue, entries, useFixture, pending } from "../../support/engine.js";

const f = useFixture();

const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0]) => runFunction(fn, { transport, vars: {}, trigger: "cron" });
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderID: `o${i}` }));

describe("independent groups", () => {
  it("each receive every message of a shared stream", async () => {
    const a: string[] = [];
    const b: string[] = [];
    const first = f.fn({ group: "billing", handle: async (m) => void a.push(m.id) });
    const second = f.fn({ stream: first.stream, group: "analytics", handle: async (m) => void b.push(m.id) });
    const ids = await enqueue(f.tcp, first.stream, orders(12));
    await run(first);
    await run(second);
    expect(a).toEqual(ids);
    expect(b).toEqual(ids);
  });
});

describe("NOACK", () => {
  it("leaves nothing pending, and dead-letters a failure at once instead of retrying", async () => {
    const fn = f.fn({
      handle: async (m) => {
        if (m.fields.orderID === "o3") throw new Error("boom");
      },
      options: { noAck: true },
    });
    const ids = await enqueue(f.tcp, fn.stream, orders(6));
    const report = await run(fn);
    expect(report).toMatchObject({ read: 6, acked: 5, deadLettered: 1, retried: 0 });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    const dlq = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dlq.map((e) => e.message["original-id"])).toEqual([ids[3]]);
  });
});

describe("retention", () => {
  it("trims only below the oldest entry some group still needs", async () => {
    const fn = f.fn({ group: "fast", handle: async () => {}, options: { retention: {} } });
    const ids = await enqueue(f.tcp, fn.stream, orders(30));
    await f.tcp.xGroupCreate(fn.stream, "slow", "0");
    // The slow group read 20 and acknowledged the first 10: entries 10..19 are pending, 20..29 undelivered.
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", "slow", "w", "COUNT", "20", "STREAMS", fn.stream, ">"]);
    await f.tcp.xAck(fn.stream, "slow", ids.slice(0, 10));
    await f.tcp.xAck(fn.stream, "slow", [ids[12]!]);

    await run(fn);
    expect((await entries(f.tcp, fn.stream)).map((e) => e.id)).toEqual(ids.slice(10));
    const slowPending = (await pending(f.tcp, fn.stream, "slow")).map((p) => p.id);
    expect(slowPending).toEqual(ids.slice(10, 20).filter((id) => id !== ids[12]));
    // Everything the slow group still needs is readable.
    const range = await f.tcp.xRange(fn.stream, slowPending[0]!, "+");
    expect(range.length).toBe(20);
  });

  it("never trims an undelivered message, even when maxLen asks for less", async () => {
    const fn = f.fn({ group: "fast", handle: async () => {}, options: { retention: { maxLen: 2 } } });
    const ids = await enqueue(f.tcp, fn.stream, orders(10));
    await f.tcp.xGroupCreate(fn.stream, "lagging", ids[5]!);
    await run(fn);
    // "lagging" still needs everything after ids[5]: maxLen 2 cannot trim past it.
    expect((await entries(f.tcp, fn.stream)).map((e) => e.id)).toEqual(ids.slice(6));
  });

  it("keeps maxLen entries of acknowledged history", async () => {
    const fn = f.fn({ handle: async () => {}, options: { retention: { maxLen: 4 } } });
    const ids = await enqueue(f.tcp, fn.stream, orders(10));
    await run(fn);
    expect((await entries(f.tcp, fn.stream)).map((e) => e.id)).toEqual(ids.slice(6));
    const stored = await f.tcp.lRange(`cronsumer:runs:${fn.name}`, 0, -1);
    expect(stored).toHaveLength(1);
  });
});
