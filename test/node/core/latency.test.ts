/** A run's enqueue-to-acknowledge percentiles: nearest rank, over numbers sorted as numbers. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Latencies, summarizeLatency } from "../../../src/core/features/latency.js";

/** The oracle: milliseconds from an id's enqueue to `at`, never negative. */
const sinceEnqueue = (id: string, at: number) => Math.max(0, at - Number(id.split("-")[0]));
/** One id's latency as `Latencies` reads it. */
const latencyOf = (id: string, at: number) => {
  const kept = new Latencies();
  kept.add(id, at);
  return kept.summary()!.max;
};

describe("latency summary", () => {
  it("takes nearest-rank percentiles of values sorted numerically, whatever order they came in", () => {
    const values = [120, 9, 1_000, 15, 2, 80, 9, 33, 7, 100];
    expect(summarizeLatency(values)).toEqual({ count: 10, p50: 15, p95: 1_000, p99: 1_000, max: 1_000 });
    expect(summarizeLatency([3])).toEqual({ count: 1, p50: 3, p95: 3, p99: 3, max: 3 });
    expect(summarizeLatency([])).toBeUndefined();
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarizeLatency(hundred)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(hundred[0]).toBe(100); // the run's own list is left as it was
  });

  it("reads an id's milliseconds, and never goes below zero", () => {
    expect(latencyOf("1764823468123-7", 1764823468200)).toBe(77);
    expect(latencyOf("1764823468123-0", 1764823468000)).toBe(0);
  });

  it("keeps runs of equal values: the summary is the one of every value, for ids in any order, over any commits", () => {
    const id = fc.tuple(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 3 })).map(([ms, seq]) => [1_764_823_468_000 + ms, seq] as const);
    const commit = fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.array(id, { maxLength: 40 }));
    fc.assert(
      fc.property(fc.array(commit, { maxLength: 8 }), (commits) => {
        const kept = new Latencies();
        const values: number[] = [];
        for (const [after, ids] of commits) {
          const ackedAt = 1_764_823_468_000 + after;
          for (const [ms, seq] of ids) {
            kept.add(`${ms}-${seq}`, ackedAt);
            values.push(Math.max(0, ackedAt - ms));
          }
        }
        expect(kept.summary()).toEqual(summarizeLatency(values));
      }),
    );
  });

  it("tells ids apart whose millisecond parts share digits", () => {
    const at = 17_648_234_681_300;
    for (const ids of [
      ["1764823468123-0", "17648234681230-1"],
      ["17648234681230-1", "1764823468123-0"],
      ["176482346812-3", "1764823468123-0"],
      ["1764823468123-0", "1764823468124-0"],
    ]) {
      const kept = new Latencies();
      for (const id of ids) kept.add(id, at);
      const values = ids.map((id) => sinceEnqueue(id, at));
      // Two values: p50 is the smaller, max the larger, so a wrong one shows.
      expect(kept.summary()).toMatchObject({ count: 2, p50: Math.min(...values), max: Math.max(...values) });
    }
  });
});
