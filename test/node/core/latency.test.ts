/** A run's enqueue-to-acknowledge percentiles: nearest rank, over numbers sorted as numbers. */
import { describe, expect, it } from "vitest";
import { sinceEnqueue, summarizeLatency } from "../../../src/core/features/latency.js";

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
    expect(sinceEnqueue("1764823468123-7", 1764823468200)).toBe(77);
    expect(sinceEnqueue("1764823468123-0", 1764823468000)).toBe(0);
  });
});
