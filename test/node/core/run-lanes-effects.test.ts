/**
 * Every per-message effect of a lanes function stays in the message's own
 * lane (lanes.ts), against Redis through the bridge: XACK, recovery, dead
 * letter and replay, delays and parked retries, key leases, visibility
 * extension and retention, and a lane group created late.
 */
import { describe, expect, it } from "vitest";
import { delayCommand } from "../../../src/core/features/delayed.js";
import { PermanentError } from "../../../src/core/redis/errors.js";
import { runFunction } from "../../../src/core/run/run.js";
import { replay } from "../../../src/api/replay.js";
import { createCatalog } from "../../../src/api/catalog.js";
import { delayedKey } from "../../../src/core/redis/keys.js";
import { age, bridgeTransport, enqueue, entries, faultyBridge, pending } from "../../support/engine.js";
import { tagged, useLanes, VT } from "./lanes-support.js";

const { f, transport, made, lanesFn, run } = useLanes();

describe("lanes: every per-message effect in the message's own lane", () => {
  it("reclaims a crashed run's messages from each lane, as attempt 2, and acknowledges each in its lane", async () => {
    const seen: { stream: string; id: string; attempt: number }[] = [];
    const { fn, high, low } = lanesFn({ handle: async (m) => void seen.push({ stream: m.stream, id: m.id, attempt: m.attempt }) });
    const highIds = await enqueue(f.tcp, high, tagged("high", 3));
    const lowIds = await enqueue(f.tcp, low, tagged("low", 2));
    const broken = await faultyBridge({ before: (ctx) => (ctx.path === "/multi-exec" ? "drop" : undefined) });
    const crashed = await runFunction(fn, { transport: broken.transport, vars: {}, trigger: "cron" });
    await broken.close();
    expect(crashed.stopReason).toBe("error");
    expect((await pending(f.tcp, high, fn.group)).map((p) => p.id)).toEqual(highIds);
    expect((await pending(f.tcp, low, fn.group)).map((p) => p.id)).toEqual(lowIds);

    seen.length = 0;
    await age(f.tcp, high, fn.group, VT);
    await age(f.tcp, low, fn.group, VT);
    const late = await run(fn);
    expect(late).toMatchObject({ reclaimed: 5, acked: 5, read: 0 });
    expect(seen.filter((m) => m.stream === high).map((m) => [m.id, m.attempt])).toEqual(highIds.map((id) => [id, 2]));
    expect(seen.filter((m) => m.stream === low).map((m) => [m.id, m.attempt])).toEqual(lowIds.map((id) => [id, 2]));
    expect(await pending(f.tcp, high, fn.group)).toEqual([]);
    expect(await pending(f.tcp, low, fn.group)).toEqual([]);
  });

  it("dead-letters a poison message of the high lane with that lane's stream, and its replay lands back in the high lane", async () => {
    let healed = false;
    const seen: { stream: string; tag: string }[] = [];
    const { fn, high, low } = lanesFn({
      handle: async (m) => {
        if (m.fields.tag === "poison" && !healed) throw new PermanentError("poison");
        seen.push({ stream: m.stream, tag: m.fields.tag! });
      },
    });
    await enqueue(f.tcp, high, [{ tag: "poison" }, { tag: "fine-high" }]);
    await enqueue(f.tcp, low, [{ tag: "fine-low" }]);
    const first = await run(fn);
    expect(first).toMatchObject({ read: 3, acked: 2, deadLettered: 1 });
    expect(await pending(f.tcp, high, fn.group)).toEqual([]);
    const dlq = `${fn.stream}:dlq`;
    const letters = await entries(f.tcp, dlq);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.message.stream).toBe(high);

    const replayed = await replay(transport, createCatalog([fn]), dlq, { ids: [letters[0]!.id] });
    expect(replayed).toHaveLength(1);
    expect((await entries(f.tcp, high)).filter((e) => e.message.tag === "poison")).toHaveLength(2);
    expect((await entries(f.tcp, low)).filter((e) => e.message.tag === "poison")).toHaveLength(0);
    healed = true;
    seen.length = 0;
    await run(fn);
    expect(seen).toEqual([{ stream: high, tag: "poison" }]);
    // The replay settled its dead letter in the commit that acknowledged it.
    expect(await entries(f.tcp, dlq)).toEqual([]);
  });

  it("promotes a delayed message enqueued for the high lane into the high lane, and parks a long retry back into its own lane", async () => {
    const seen: { stream: string; tag: string; attempt: number }[] = [];
    let fail = true;
    const { fn, high, low } = lanesFn(
      {
        handle: async (m) => {
          seen.push({ stream: m.stream, tag: m.fields.tag!, attempt: m.attempt });
          if (m.fields.tag === "retry" && fail) {
            fail = false;
            const { RetryError } = await import("../../../src/core/redis/errors.js");
            throw new RetryError("later", { delayMs: VT * 2 });
          }
        },
      },
      { delays: true },
    );
    await run(fn); // Creates the groups.
    await transport.pipeline([delayCommand(high, { inMs: 0 }, [{ id: "d1", fields: { tag: "delayed" } }])]);
    await enqueue(f.tcp, low, [{ tag: "retry" }]);
    const first = await run(fn);
    expect(first).toMatchObject({ read: 2, acked: 1, retried: 1 });
    expect(seen.slice(0, 2).sort((a, b) => a.tag.localeCompare(b.tag))).toEqual([
      { stream: high, tag: "delayed", attempt: 1 },
      { stream: low, tag: "retry", attempt: 1 },
    ]);
    // The parked retry waits in the low lane's delayed set, not the high lane's.
    expect(await f.tcp.zCard(delayedKey(low))).toBe(1);
    expect(await f.tcp.zCard(delayedKey(high))).toBe(0);
    // Make it due now, on the Redis clock's terms (its score is a unix ms time).
    await f.tcp.sendCommand(["ZADD", delayedKey(low), "0", (await f.tcp.zRange(delayedKey(low), 0, 0))[0]!]);
    seen.length = 0;
    await run(fn);
    expect(seen).toEqual([{ stream: low, tag: "retry", attempt: 2 }]);
    expect(await pending(f.tcp, low, fn.group)).toEqual([]);
    expect(await pending(f.tcp, high, fn.group)).toEqual([]);
  });

  it("creates a lane's group when lanes are added to a function whose group exists, and reads what was enqueued to the lane before", async () => {
    const seen: string[] = [];
    const { fn, high } = lanesFn({ handle: async (m) => void seen.push(`${m.stream === high ? "high" : "low"}:${m.fields.tag}`) });
    await f.createGroup(fn);
    await enqueue(f.tcp, high, [{ tag: "early" }]);
    await enqueue(f.tcp, fn.stream, [{ tag: "plain" }]);
    const r = await run(fn);
    expect(r).toMatchObject({ read: 2, acked: 2 });
    expect(seen.sort()).toEqual(["high:early", "low:plain"]);
    expect(await pending(f.tcp, high, fn.group)).toEqual([]);
  });

  it("holds keyConcurrency across lanes and runs though two lanes' entries share an id (found by the property tests)", async () => {
    let now = 0;
    let most = 0;
    let started!: () => void;
    const first = new Promise<void>((resolve) => (started = resolve));
    const { fn, high, low } = lanesFn(
      {
        handle: async () => {
          most = Math.max(most, ++now);
          started();
          await new Promise((resolve) => setTimeout(resolve, 400));
          now -= 1;
        },
      },
      { keyConcurrency: { field: "k", max: 1 } },
    );
    made.push(`{${fn.stream}}:cronsumer-key:${fn.group}:a`);
    await run(fn);
    await f.tcp.xAdd(high, "7-1", { k: "a" });
    const a = runFunction(fn, { transport, vars: {}, trigger: "manual", slot: 0 });
    await first;
    // While run A holds key a for the high lane's 7-1, run B reads the low lane's 7-1 of the same key.
    await f.tcp.xAdd(low, "7-1", { k: "a" });
    const b = await runFunction(fn, { transport, vars: {}, trigger: "manual", slot: 1 });
    await a;
    expect(most).toBe(1);
    expect(b).toMatchObject({ read: 1, acked: 0, heldBack: 1 });
    // Put back in its own lane, uncharged.
    expect((await pending(f.tcp, low, fn.group)).map((p) => [p.id, p.deliveries])).toEqual([["7-1", 0]]);
  });

  it("reads nothing from any lane while the function is paused", async () => {
    const seen: string[] = [];
    const { fn, high, low } = lanesFn({ handle: async (m) => void seen.push(m.stream) });
    await run(fn);
    const { pauseOp } = await import("../../../src/core/features/pause.js");
    await transport.pipeline([pauseOp(fn.stream, fn.group, Date.now()).command]);
    await enqueue(f.tcp, high, [{ tag: "h" }]);
    await enqueue(f.tcp, low, [{ tag: "l" }]);
    const paused = await run(fn);
    expect(paused.stopReason).toBe("paused");
    expect(seen).toEqual([]);
    expect(await pending(f.tcp, high, fn.group)).toEqual([]);
    expect(await pending(f.tcp, low, fn.group)).toEqual([]);
  });
});

describe("lanes with maxHandlerMs", () => {
  it("extends each lane's entry in its own stream, though their ids coincide: handled once each under overlapping runs, no delivery charged", async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const vt = 2_000;
    const calls: { stream: string; attempt: number }[] = [];
    const { fn, high, low } = lanesFn(
      {
        handle: async (m, ctx) => {
          calls.push({ stream: m.stream, attempt: m.attempt });
          await sleep(3 * vt);
          ctx.effects.rpush(`${fn.stream}:done`, m.stream);
        },
      },
      { visibilityTimeoutMs: vt, handlerTimeoutMs: 7_000, maxHandlerMs: 7_000, maxRunMs: 10_000, batchSize: 2, concurrency: 2, maxDeliveries: 5 },
    );
    made.push(`${fn.stream}:done`);
    await run(fn); // Creates the groups.
    // The same id in both lanes: an extension that names the wrong stream would lose one of them.
    await f.tcp.xAdd(high, "5-1", { tag: "h" });
    await f.tcp.xAdd(low, "5-1", { tag: "l" });
    const runs: Promise<unknown>[] = [];
    for (let i = 0; i < 8; i++) {
      runs.push(runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual", slot: i }));
      await sleep(1_000);
    }
    const reports = (await Promise.all(runs)) as { reclaimed: number; acked: number; error?: string }[];
    expect(calls.sort((a, b) => a.stream.localeCompare(b.stream))).toEqual([high, low].sort().map((stream) => ({ stream, attempt: 1 })));
    expect(reports.reduce((n, r) => n + r.reclaimed, 0)).toBe(0);
    expect(reports.reduce((n, r) => n + r.acked, 0)).toBe(2);
    expect(reports.map((r) => r.error).filter(Boolean)).toEqual([]);
    expect((await f.tcp.lRange(`${fn.stream}:done`, 0, -1)).sort()).toEqual([high, low].sort());
    expect(await pending(f.tcp, high, fn.group)).toEqual([]);
    expect(await pending(f.tcp, low, fn.group)).toEqual([]);
  }, 20_000);
});

describe("lanes with retention", () => {
  it("trims every lane below what the group still needs, keeping each lane's pending entries", async () => {
    let failLow = true;
    const { fn, high, low } = lanesFn(
      {
        handle: async (m) => {
          if (m.stream === low && m.fields.n === "0" && failLow) throw new Error("not yet");
        },
      },
      { retention: { maxLen: 0 } },
    );
    await enqueue(f.tcp, high, tagged("high", 5));
    const [keep] = await enqueue(f.tcp, low, tagged("low", 5));
    const report = await run(fn);
    expect(report).toMatchObject({ read: 10, acked: 9, retried: 1 });
    // The high lane's acknowledged history is gone; the low lane keeps only its pending entry and what follows it.
    expect(await entries(f.tcp, high)).toEqual([]);
    expect((await entries(f.tcp, low)).map((e) => e.id)[0]).toBe(keep);
    expect((await pending(f.tcp, low, fn.group)).map((p) => p.id)).toEqual([keep]);
    failLow = false;
  });
});
