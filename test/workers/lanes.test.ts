/**
 * Priority lanes inside workerd: a run of a function with two lanes reads
 * both in each request, the high lane at its share, acknowledges each
 * message in its own lane, and dead-letters a poison message of the high
 * lane with that lane's stream recorded.
 */
import { afterAll, describe, expect, it } from "vitest";
import { laneStreams, resolveLanes } from "../../src/core/define/lanes.js";
import type { BatchMessage } from "../../src/core/define/define.js";
import { runFunction } from "../../src/core/run/run.js";
import { entries, freshFunction, pendingIds, redis, transport } from "./support.js";

const LANES = { names: ["high", "low"], weights: [4, 1] };
const made: string[] = [];
afterAll(async () => {
  if (made.length > 0) await redis.del(...made);
});

describe("a function with lanes in workerd", () => {
  it("reads high 8 and low 2 per batch of 10 while both are backlogged, settles each in its lane, and dead-letters into the high lane's record", async () => {
    const batches: [number, number][] = [];
    let high = "";
    const fn = freshFunction({
      handleBatch: async (messages: BatchMessage[]) => {
        batches.push([messages.filter((m) => m.stream === high).length, messages.filter((m) => m.stream === fn.stream).length]);
        for (const m of messages) if (m.fields.poison) m.deadLetter("poison");
      },
      options: { lanes: LANES, batchSize: 10, concurrency: 10 },
    } as never);
    high = laneStreams(fn.stream, resolveLanes(LANES))[0]!;
    const low = fn.stream;
    made.push(high);
    for (let i = 0; i < 20; i++) await redis.xadd(high, "*", i === 0 ? { n: String(i), poison: "1" } : { n: String(i) });
    for (let i = 0; i < 20; i++) await redis.xadd(low, "*", { n: String(i) });

    const report = await runFunction(fn, { transport, vars: {}, trigger: "manual" });
    expect(report).toMatchObject({ read: 40, acked: 39, deadLettered: 1, laneReads: { high: 20, low: 20 } });
    expect(batches.slice(0, 2)).toEqual([
      [8, 2],
      [8, 2],
    ]);
    expect(await pendingIds(high, fn.group)).toEqual([]);
    expect(await pendingIds(low, fn.group)).toEqual([]);
    const letters = await entries(`${fn.stream}:dlq`);
    expect(letters.map((l) => l.fields.stream)).toEqual([high]);
  });
});
