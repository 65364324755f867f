/** A session's report (merge-reports.ts): counts summed over its runs, per-lane reads included. */
import { describe, expect, it } from "vitest";
import { emptyReport } from "../../../src/core/features/report.js";
import { mergeReports } from "../../../src/core/run/merge-reports.js";

describe("mergeReports", () => {
  it("sums each lane's reads over the session's runs, as it sums `read`", () => {
    const a = { ...emptyReport("f", "f-0", 0, "cron"), read: 5, laneReads: { high: 4, low: 1 } };
    const b = { ...emptyReport("f", "f-0", 0, "cron"), read: 3, laneReads: { high: 1, low: 2 } };
    const merged = mergeReports([a, b], 10);
    expect(merged).toMatchObject({ read: 8, laneReads: { high: 5, low: 3 } });
    // The first run's report is not changed by merging.
    expect(a.laneReads).toEqual({ high: 4, low: 1 });
  });
});
