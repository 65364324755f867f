/** Lane shares and counts (lanes.ts), with plain values: the allocation the fetch uses and the bound the README states. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { laneCounts, laneStream, laneStreams, resolveLanes, shares, validateLanes } from "../../../../src/core/define/lanes.js";

const weightsAndBatch = fc
  .array(fc.integer({ min: 1, max: 1_000 }), { minLength: 2, maxLength: 8 })
  .chain((weights) => fc.record({ weights: fc.constant(weights), batch: fc.integer({ min: weights.length, max: 500 }) }));

describe("lanes", () => {
  it("defaults: weights are powers of 4 highest first, the default lane is the lowest and is the function's own stream", () => {
    const lanes = resolveLanes({ names: ["high", "normal", "low"] });
    expect(lanes).toEqual({ names: ["high", "normal", "low"], weights: [16, 4, 1], default: "low" });
    expect(laneStreams("orders", lanes)).toEqual(["orders:lane:high", "orders:lane:normal", "orders"]);
    expect(laneStream("orders", resolveLanes({ names: ["a", "b"], default: "a" }), "a")).toBe("orders");
  });

  it("shares split a batch by weight, every lane at least one, summing to the batch", () => {
    expect(shares(50, [4, 1])).toEqual([40, 10]);
    expect(shares(10, [16, 4, 1])).toEqual([8, 1, 1]);
    expect(shares(3, [1, 1, 1_000])).toEqual([1, 1, 1]);
    fc.assert(
      fc.property(weightsAndBatch, ({ weights, batch }) => {
        const s = shares(batch, weights);
        expect(s.reduce((a, b) => a + b, 0)).toBe(batch);
        expect(Math.min(...s)).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it("a lane found short is probed with one message, and what it leaves goes to the highest lane found full", () => {
    expect(laneCounts(50, [4, 1], [{ asked: 40, got: 3 }, { asked: 10, got: 10 }])).toEqual([1, 49]);
    expect(laneCounts(50, [4, 1], [{ asked: 40, got: 40 }, { asked: 10, got: 0 }])).toEqual([49, 1]);
    expect(laneCounts(50, [4, 1], [{ asked: 1, got: 1 }, { asked: 49, got: 49 }])).toEqual([40, 10]);
    // Nothing full: the highest lane takes the rest.
    expect(laneCounts(30, [16, 4, 1], [{ asked: 1, got: 0 }, { asked: 5, got: 2 }, { asked: 1, got: 0 }])).toEqual([28, 1, 1]);
  });

  it("starvation bound: a lane always backlogged is asked for at least its share on every fetch after the first one that follows a short read", () => {
    fc.assert(
      fc.property(weightsAndBatch, fc.array(fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 20 }), ({ weights, batch }, rounds) => {
        const s = shares(batch, weights);
        let last: { asked: number; got: number }[] | undefined;
        for (const round of rounds) {
          const counts = laneCounts(batch, weights, last);
          expect(counts.reduce((a, b) => a + b, 0)).toBe(batch);
          // Lane 1.. is always backlogged here when its flag says so: it then comes back full.
          counts.forEach((c, i) => {
            if (last !== undefined && last[i]!.got >= last[i]!.asked) expect(c).toBeGreaterThanOrEqual(s[i]!);
            expect(c).toBeGreaterThanOrEqual(1);
          });
          last = counts.map((c, i) => ({ asked: c, got: round[i] ? c : Math.floor(c / 2) }));
        }
      }),
    );
  });

  it("refuses bad lanes with an error naming the problem", () => {
    expect(() => validateLanes("fn", { names: ["only"] }, 10)).toThrow("`lanes.names` must list 2 to 8 lane names");
    expect(() => validateLanes("fn", { names: ["a", "a"] }, 10)).toThrow("has a name twice");
    expect(() => validateLanes("fn", { names: ["a", "b c"] }, 10)).toThrow('lane name "b c"');
    expect(() => validateLanes("fn", { names: ["a", "b"], weights: [1] }, 10)).toThrow("`lanes.weights` must give each of the 2 lanes");
    expect(() => validateLanes("fn", { names: ["a", "b"], weights: [1, 0] }, 10)).toThrow("`lanes.weights`");
    expect(() => validateLanes("fn", { names: ["a", "b"], default: "c" }, 10)).toThrow('`lanes.default` "c" is not one of');
    expect(() => validateLanes("fn", { names: ["a", "b", "c"] }, 2)).toThrow("`batchSize` (2) must be at least the number of lanes (3)");
  });
});

describe("lanes in a definition", () => {
  it("a definition with bad lanes is refused at definition time, naming the function", async () => {
    const { definePollingFunction } = await import("../../../../src/core/define/define.js");
    expect(() => definePollingFunction({ name: "jobs", stream: "jobs", group: "g", crons: ["* * * * *"], handle: async () => {}, options: { lanes: { names: ["high"] } } })).toThrow(/jobs.*`lanes.names` must list 2 to 8/);
    const ok = definePollingFunction({ name: "jobs2", stream: "jobs2", group: "g", crons: ["* * * * *"], handle: async () => {}, options: { lanes: { names: ["high", "normal"] } } });
    expect(ok.options.lanes).toEqual({ names: ["high", "normal"] });
  });
});
