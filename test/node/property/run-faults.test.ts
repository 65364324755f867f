/**
 * Property-based fault tests of the run (test/property): generated option
 * sets, workloads and faults, run to quiescence and checked against the
 * model, on the suite's Redis through the bridge and on an embedded engine
 * with a clock of its own. A failure prints its seed and the shrunk case,
 * and how to replay it.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { caseProperty, newTally, printTally, settings } from "../../property/property.js";
import type { Store } from "../../property/store.js";
import { openStore } from "../../property/store.js";

/** Well under a minute for both stores on a shared 2-core machine; `npm run fuzz` raises it. */
const BUDGET_MS = Number(process.env.PBT_BUDGET_MS ?? 12_000);

for (const kind of ["redis", "engine"] as const) {
  describe(`the run under generated faults, on ${kind === "redis" ? "the suite's store through the bridge" : "an embedded engine"}`, () => {
    let store: Store;
    const tally = newTally();
    beforeAll(async () => {
      // Failed attempts log one line each (attempt-errors.ts); generated failures would bury the report.
      vi.spyOn(console, "warn").mockImplementation(() => {});
      store = await openStore(kind, inject("redisUrl"));
    });
    afterAll(async () => {
      printTally(store.kind === "redis" && inject("redisKind") !== "redis" ? "the global engine" : kind, tally);
      vi.restoreAllMocks();
      await store?.close();
    });

    it("loses nothing, commits nothing twice, keeps every feature's promise, and comes to rest clean", async () => {
      const run = settings({ seed: kind === "redis" ? 1905 : 2024, numRuns: 25 });
      const details = await fc.check(caseProperty(store, tally), { ...run, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false });
      const report = fc.defaultReportMessage(details) ?? "";
      const commands = /replayPath="([^"]*)"/.exec(report)?.[1];
      // The generator reads PBT_FEATURES and PBT_FINDINGS too: a replay needs them to draw the same case.
      const aimed = ["features", "findings"].map((k) => process.env[`PBT_${k.toUpperCase()}`] && ` --${k} ${process.env[`PBT_${k.toUpperCase()}`]}`).join("");
      const replay = details.failed ? `\nReplay: npm run fuzz -- --single --store ${kind}${aimed} --seed ${details.seed} --path "${details.counterexamplePath}"${commands ? ` --replay "${commands}"` : ""}` : "";
      const why = details.failed ? `\n${String(details.errorInstance)}` : "";
      expect(details.failed, `${report}${why}${replay}`).toBe(false);
      expect(details.numRuns + details.numSkips).toBeGreaterThan(0);
    }, BUDGET_MS + 60_000);
  });
}
