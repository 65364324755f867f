/**
 * Priority lanes in a run (lanes.ts, run/lane-plan.ts), against Redis through
 * the bridge: the high lane drains first within its share, the low lane's
 * wait stays within the stated bound (1 + ⌈k / share⌉ fetches for depth k),
 * a budget smaller than the lanes still reaches every lane, and what an idle
 * tick costs.
 */
import { describe, expect, it } from "vitest";
import { shares } from "../../../src/core/define/lanes.js";
import { enqueue, pending } from "../../support/engine.js";
import { tagged, useLanes } from "./lanes-support.js";

const { f, lanesFn, run } = useLanes();

describe("lanes: shares and the starvation bound", () => {
  it("with both lanes backlogged, reads high 40 and low 10 per fetch of 50, and every low message within 1 + ⌈k/10⌉ fetches", async () => {
    const batches: { high: number; low: number; lowDepths: number[] }[] = [];
    const { fn, high, low } = lanesFn({
      handleBatch: async (messages) => {
        const b = { high: 0, low: 0, lowDepths: [] as number[] };
        for (const m of messages) {
          if (m.stream === high) b.high += 1;
          else if (m.stream === low) {
            b.low += 1;
            b.lowDepths.push(Number(m.fields.n) + 1);
          } else throw new Error(`a message from ${m.stream}`);
        }
        batches.push(b);
      },
    }, { batchSize: 50, concurrency: 50, maxCpuMs: 30_000 });
    await enqueue(f.tcp, high, tagged("high", 200));
    await enqueue(f.tcp, low, tagged("low", 200));
    const report = await run(fn);

    expect(shares(50, [4, 1])).toEqual([40, 10]);
    // The high lane drains first at its share; the low lane never gets less than its own.
    const both = batches.slice(0, 5);
    expect(both.map((b) => [b.high, b.low])).toEqual(Array.from({ length: 5 }, () => [40, 10]));
    batches.forEach((b, i) => {
      for (const k of b.lowDepths) expect(i + 1, `low message at depth ${k}`).toBeLessThanOrEqual(1 + Math.ceil(k / 10));
    });
    expect(batches.reduce((n, b) => n + b.high, 0)).toBe(200);
    expect(batches.reduce((n, b) => n + b.low, 0)).toBe(200);
    expect(report).toMatchObject({ read: 400, acked: 400, laneReads: { high: 200, low: 200 } });
    // Acknowledged in its own lane: nothing left pending in either stream.
    expect(await pending(f.tcp, high, fn.group)).toEqual([]);
    expect(await pending(f.tcp, low, fn.group)).toEqual([]);
  });

  it("gives a lone backlogged low lane all but the high lane's probe of one per fetch", async () => {
    const batches: number[] = [];
    const { fn, low } = lanesFn({ handleBatch: async (messages) => void batches.push(messages.filter((m) => m.stream === low).length) }, { batchSize: 50, concurrency: 50, maxCpuMs: 30_000 });
    await enqueue(f.tcp, low, tagged("low", 200));
    const report = await run(fn);
    // The first fetch asks by share (10 of low), then the empty high lane is probed with one, and low gets 49.
    expect(batches.slice(0, 4)).toEqual([10, 49, 49, 49]);
    expect(report).toMatchObject({ read: 200, acked: 200 });
    expect(await pending(f.tcp, low, fn.group)).toEqual([]);
  });
});

describe("lanes: a budget of fewer messages than lanes", () => {
  it("reads a lower lane when the high lane is empty, though each fetch may take one message (found by the property tests)", async () => {
    const seen: string[] = [];
    const { fn, low } = lanesFn({ handle: async (m) => void seen.push(m.fields.tag!) }, { rateLimit: { limit: 1, periodMs: 600_000 } });
    await run(fn);
    await enqueue(f.tcp, low, [{ tag: "only" }]);
    expect(await run(fn)).toMatchObject({ read: 1, acked: 1 });
    expect(seen).toEqual(["only"]);
  });
});

describe("lanes: what an idle tick costs", () => {
  it("is one request of two commands per lane (each lane's XPENDING summary and XREADGROUP), against two for one stream", async () => {
    const { fn } = lanesFn({ handle: async () => {} });
    const plain = f.fn({ handle: async () => {} });
    await run(fn);
    await run(plain);
    expect(await run(fn)).toMatchObject({ requests: 1, commands: 4, read: 0 });
    expect(await run(plain)).toMatchObject({ requests: 1, commands: 2, read: 0 });
  });
});
