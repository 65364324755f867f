/**
 * The warnings and series arithmetic, as tables: each rule fires exactly
 * when an operator has something to act on.
 */
import { describe, expect, it } from "vitest";
import { summarizeLatency } from "../../../src/core/features/latency.js";
import type { RunReport } from "../../../src/core/features/report.js";
import { perMinute } from "../../../src/api/series.js";
import { growingFor, warnings } from "../../../src/api/warnings.js";

const sample = (min: number, pending: number, lag: number) => ({ t: min * 60_000, pending, lag, length: 0 });
const report = (at: number, x: Partial<RunReport> = {}) => ({ startedAt: new Date(at).toISOString(), stopReason: "drained", acked: 0, retried: 0, deadLettered: 0, commands: 0, ...x }) as RunReport;
const base = { consumers: [], staleAfterMs: 1000, reports: [], samples: [], growingMs: 10 * 60_000 };

describe("backlog growing", () => {
  it.each([
    ["rose steadily for 12 min", [sample(12, 30, 0), sample(6, 10, 5), sample(0, 5, 0)], { ms: 720_000, from: 5, to: 30 }],
    ["flat is not growing", [sample(12, 5, 0), sample(0, 5, 0)], undefined],
    ["only since it last fell", [sample(12, 9, 0), sample(10, 8, 0), sample(8, 20, 0)], { ms: 120_000, from: 8, to: 9 }],
    ["one sample says nothing", [sample(0, 5, 0)], undefined],
  ])("%s", (_, samples, expected) => {
    expect(growingFor(samples)).toEqual(expected);
  });

  it("warns only past growingMs", () => {
    const samples = [sample(12, 30, 0), sample(0, 5, 0)];
    expect(warnings({ ...base, samples }).map((w) => w.kind)).toEqual(["backlog_growing"]);
    expect(warnings({ ...base, samples, growingMs: 13 * 60_000 })).toEqual([]);
  });
});

describe("stale consumers and failing runs", () => {
  it.each([
    [{ name: "a", pending: 2, idleMs: 5000 }, 1],
    [{ name: "a", pending: 0, idleMs: 5000 }, 0],
    [{ name: "a", pending: 2, idleMs: 500 }, 0],
  ])("%o warns %i time(s)", (consumer, n) => {
    expect(warnings({ ...base, consumers: [consumer] }).filter((w) => w.kind === "stale_consumer")).toHaveLength(n);
  });

  it("a failing newest run warns; an old failure followed by good runs does not", () => {
    expect(warnings({ ...base, reports: [report(2, { stopReason: "error", error: "boom" }), report(1)] })[0]!.message).toContain("boom");
    expect(warnings({ ...base, reports: [report(2), report(1, { stopReason: "error" })] })).toEqual([]);
  });
});

describe("per-minute series", () => {
  it("sums counts per minute and keeps each minute's highest percentile", () => {
    const minutes = perMinute([
      report(61_000, { acked: 2, commands: 5, latencyMs: { count: 2, p50: 10, p95: 20, p99: 30, max: 30 } }),
      report(65_000, { acked: 1, deadLettered: 1, commands: 4, latencyMs: { count: 1, p50: 40, p95: 40, p99: 40, max: 40 } }),
      report(1_000, { retried: 3, commands: 2 }),
    ]);
    expect(minutes).toEqual([
      { t: 0, runs: 1, acked: 0, retried: 3, deadLettered: 0, commands: 2, p50: null, p95: null, p99: null },
      { t: 60_000, runs: 2, acked: 3, retried: 0, deadLettered: 1, commands: 9, p50: 40, p95: 40, p99: 40 },
    ]);
  });

  it("latency percentiles are nearest-rank", () => {
    expect(summarizeLatency([])).toBeUndefined();
    expect(summarizeLatency(Array.from({ length: 100 }, (_, i) => 100 - i))).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });
});
