/**
 * The pause gate in the run (core/features/pause.ts): a paused run claims and reads
 * nothing whatever else is going on, a pause mid-run stops its reads, and a
 * group from before the pause gate existed gets one opened, once.
 */
import { describe, expect, it } from "vitest";
import { gateKey, pauseKey } from "../../../src/core/redis/keys.js";
import { sendPipeline } from "../../../src/core/redis/ops.js";
import { pauseOp } from "../../../src/core/features/pause.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderID: `o${i}` }));
const pause = (fn: { stream: string; group: string }) => sendPipeline(transport, [pauseOp(fn.stream, fn.group, Date.now())] as const);

describe("a paused run", () => {
  it("claims nothing even with the backpressure gate closed (which alone would send it to recovery)", async () => {
    const fn = f.fn({ handle: async () => {} });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(4));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "crashed", "COUNT", "4", "STREAMS", fn.stream, ">"]);
    await age(f.tcp, fn.stream, fn.group, 120_000);
    await f.tcp.del(gateKey(fn.stream));
    await pause(fn);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report).toMatchObject({ stopReason: "paused", reclaimed: 0, requests: 1, commands: 2 });
    expect((await pending(f.tcp, fn.stream, fn.group)).map((p) => [p.consumer, p.deliveries])).toEqual(Array(4).fill(["crashed", 1]));
  });

  it("stays paused when paused before its group existed: the run creates the group and reads nothing", async () => {
    const fn = f.fn({ handle: async () => {} });
    await enqueue(f.tcp, fn.stream, orders(3));
    await pause(fn);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report).toMatchObject({ stopReason: "paused", read: 0 });
    expect(await f.tcp.type(pauseKey(fn.stream, fn.group))).toBe("string");
    const [group] = (await f.tcp.xInfoGroups(fn.stream)) as unknown as { name: string; pending: number; "last-delivered-id": string }[];
    expect(group).toMatchObject({ name: fn.group, pending: 0, "last-delivered-id": "0-0" });
  });

  it("paused while the run goes on: the run reads no further batch", async () => {
    let handled = 0;
    const fn = f.fn({
      handle: async () => {
        if (handled++ === 0) await pause(fn);
      },
      options: { batchSize: 5, concurrency: 5 },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(20));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    // The first batch is finished and acknowledged; the read beside its commit met the pause.
    expect(report).toMatchObject({ stopReason: "paused", read: 5, acked: 5 });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    const [group] = (await f.tcp.xInfoGroups(fn.stream)) as { lag: number }[];
    expect(group!.lag).toBe(15);
  });
});

describe("a group without a pause gate (made before it existed, or by hand)", () => {
  it("gets its gate opened by the first run, which then reads as usual; later runs pay nothing for it", async () => {
    const fn = f.fn({ handle: async () => {} });
    await f.tcp.xGroupCreate(fn.stream, fn.group, "0", { MKSTREAM: true });
    await f.tcp.xGroupCreate(gateKey(fn.stream), fn.group, "$", { MKSTREAM: true });
    await enqueue(f.tcp, fn.stream, orders(3));
    const first = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(first).toMatchObject({ read: 3, acked: 3, requests: 4 });
    expect(await f.tcp.type(pauseKey(fn.stream, fn.group))).toBe("stream");
    const idle = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(idle).toMatchObject({ requests: 1, commands: 2 });
  });

  it("with its backpressure gate closed too, tells the two apart and still recovers", async () => {
    const fn = f.fn({ handle: async () => {} });
    await f.tcp.xGroupCreate(fn.stream, fn.group, "0", { MKSTREAM: true });
    await enqueue(f.tcp, fn.stream, orders(2));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "crashed", "COUNT", "2", "STREAMS", fn.stream, ">"]);
    await age(f.tcp, fn.stream, fn.group, 120_000);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report).toMatchObject({ reclaimed: 2, acked: 2, backpressure: false });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
