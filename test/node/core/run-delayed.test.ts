/**
 * Delayed messages in a run: promotion moves each due message into the
 * stream exactly once, in the run's first request, with its fields exactly as
 * enqueued, never before it is due; racing runs and dropped connections
 * neither lose nor duplicate one; an idle tick stays one request of two
 * commands.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { enqueueDelayed } from "../../../src/api/enqueue-delayed.js";
import type { Message } from "../../../src/core/define/define.js";
import { delayedKey, delayedPayloadsKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, entries, faultyBridge, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0], t = transport) => runFunction(fn, { transport: t, vars: {}, trigger: "cron" });

/** A function with delays on that records what it sees. */
function recorder(options = {}) {
  const seen: Message[] = [];
  const fn = f.fn({ handle: async (m) => void seen.push(m), options: { delays: true, ...options } });
  return { fn, seen };
}

describe("promotion", () => {
  it("holds a delayed message out of the stream until due, then hands it over once, fields exactly as enqueued, in the first request", async () => {
    const { fn, seen } = recorder();
    await f.createGroup(fn);
    const fields = { orderID: "o-1", amount: "12.50", "naïve ✓": "𝄞 x:y 3:abc", empty: "" };
    const [id] = await enqueueDelayed(transport, fn.stream, [fields], Date.now() + 1_500);
    expect(await f.tcp.zScore(delayedKey(fn.stream), id!)).not.toBeNull();

    const early = await run(fn);
    expect(early.read).toBe(0);
    expect(await entries(f.tcp, fn.stream)).toEqual([]);

    await sleep(1_600);
    const due = await run(fn);
    // Promoted by the first command, read by the second, committed with the third request's ack.
    expect(due).toMatchObject({ read: 1, acked: 1 });
    expect(seen.map((m) => ({ fields: m.fields, attempt: m.attempt }))).toEqual([{ fields, attempt: 1 }]);
    expect(await f.tcp.exists([delayedKey(fn.stream), delayedPayloadsKey(fn.stream)])).toBe(0);

    const again = await run(fn);
    expect(again.read).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it("keeps the idle tick at one request of two commands", async () => {
    const { fn } = recorder();
    await f.createGroup(fn);
    await enqueueDelayed(transport, fn.stream, [{ a: "later" }], Date.now() + 60_000);
    const idle = await run(fn);
    expect(idle).toMatchObject({ requests: 1, commands: 2, read: 0 });
  });

  it("creates a missing group and still promotes in that run", async () => {
    const { fn, seen } = recorder();
    await enqueueDelayed(transport, fn.stream, [{ a: "1" }], Date.now() - 1);
    const first = await run(fn);
    expect(first).toMatchObject({ read: 1, acked: 1 });
    expect(seen.map((m) => m.fields)).toEqual([{ a: "1" }]);
  });

  it("moves each due message exactly once when runs promote at the same time", async () => {
    const { fn, seen } = recorder({ batchSize: 50, concurrency: 50, handlerTimeoutMs: 1_000, visibilityTimeoutMs: 10_000 });
    await f.createGroup(fn);
    const N = 300;
    const messages = Array.from({ length: N }, (_, i) => ({ n: String(i) }));
    for (let i = 0; i < N; i += 100) await enqueueDelayed(transport, fn.stream, messages.slice(i, i + 100), Date.now() - 1);
    await Promise.all(Array.from({ length: 6 }, (_, slot) => runFunction(fn, { transport, vars: {}, trigger: "cron", slot })));
    while ((await run(fn)).read > 0);
    const written = (await entries(f.tcp, fn.stream)).map((e) => e.message.n);
    expect(written.sort()).toEqual(messages.map((m) => m.n).sort());
    expect(seen.map((m) => m.fields.n).sort()).toEqual(messages.map((m) => m.n).sort());
    expect(await f.tcp.zCard(delayedKey(fn.stream))).toBe(0);
  });

  it.each(["before", "after"] as const)("loses and duplicates nothing when the connection drops %s the promoting request", async (when) => {
    const { fn, seen } = recorder();
    await f.createGroup(fn);
    await enqueueDelayed(transport, fn.stream, [{ k: "1" }, { k: "2" }], Date.now() - 1);
    let dropped = 0;
    const isPromote = (ctx: { commands: readonly (readonly string[])[] }) => ctx.commands[0]?.[0] === "EVAL" && dropped++ === 0;
    const bridge = await faultyBridge(when === "before" ? { before: (ctx) => (isPromote(ctx) ? "drop" : undefined) } : { after: (ctx) => (isPromote(ctx) ? "drop" : undefined) });
    try {
      const failed = await run(fn, bridge.transport);
      expect(failed.stopReason).toBe("error");
      expect(dropped).toBeGreaterThan(0);
    } finally {
      await bridge.close();
    }
    // Either the script ran whole (both in the stream, none delayed) or not at all (both delayed).
    const inStream = (await entries(f.tcp, fn.stream)).length;
    const delayed = await f.tcp.zCard(delayedKey(fn.stream));
    expect([inStream, delayed]).toEqual(when === "before" ? [0, 2] : [2, 0]);
    // After a drop after, the read in the same request delivered both to a run that never answered: pending, recovered later.
    await age(f.tcp, fn.stream, fn.group, 60_000);
    while ((await run(fn)).read > 0);
    expect(seen.map((m) => m.fields.k).sort()).toEqual(["1", "2"]);
    expect((await entries(f.tcp, fn.stream)).length).toBe(2);
  });

  it("still consumes the stream, and says why, when promotion fails", async () => {
    const { fn, seen } = recorder();
    await f.createGroup(fn);
    await f.tcp.xAdd(fn.stream, "*", { plain: "1" });
    await f.tcp.set(delayedKey(fn.stream), "not a sorted set");
    const r = await run(fn);
    expect(r).toMatchObject({ read: 1, acked: 1 });
    expect(r.error).toMatch(/^delayed messages not promoted: WRONGTYPE/);
    expect(seen.map((m) => m.fields)).toEqual([{ plain: "1" }]);
  });
});
