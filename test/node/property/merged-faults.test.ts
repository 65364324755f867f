/**
 * Merged mode of the property-based fault tests (test/property/invocation.ts):
 * several functions with their own streams, groups and options run as one
 * invocation through one coalescing transport, faults strike the merged
 * requests, and every function's invariants hold at rest. Fixed seeds for
 * `npm test`; `npm run fuzz -- --merged` goes longer.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { settings } from "../../property/property.js";
import { mergedProperty, newMergedTally, printMergedTally } from "../../property/merged-property.js";
import type { Store } from "../../property/store.js";
import { openStore } from "../../property/store.js";

/** About ten seconds a store by default: the property file beside this one takes its own budget. */
const BUDGET_MS = Number(process.env.PBT_BUDGET_MS ?? 10_000);

for (const kind of ["redis", "engine"] as const) {
  describe(`merged requests under generated faults, on ${kind === "redis" ? "the suite's store through the bridge" : "an embedded engine"}`, () => {
    let store: Store;
    const tally = newMergedTally();
    beforeAll(async () => {
      vi.spyOn(console, "warn").mockImplementation(() => {});
      store = await openStore(kind, inject("redisUrl"));
    });
    afterAll(async () => {
      printMergedTally(kind, tally);
      vi.restoreAllMocks();
      await store?.close();
    });

    it("loses nothing and commits nothing twice in any function when a merged request is dropped before or after Redis ran it", async () => {
      const run = settings({ seed: kind === "redis" ? 2205 : 2206, numRuns: 12 });
      const details = await fc.check(mergedProperty(store, tally), { ...run, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false });
      const report = fc.defaultReportMessage(details) ?? "";
      const commands = /replayPath="([^"]*)"/.exec(report)?.[1];
      const replay = details.failed ? `\nReplay: npm run fuzz -- --merged --store ${kind} --seed ${details.seed} --path "${details.counterexamplePath}"${commands ? ` --replay "${commands}"` : ""}` : "";
      const why = details.failed ? `\n${String(details.errorInstance)}` : "";
      expect(details.failed, `${report}${why}${replay}`).toBe(false);
      expect(tally.cases.run).toBeGreaterThan(0);
      // Calls above the coalescer outnumber the requests below it: the faults really struck merged requests.
      expect(tally.merging.requests).toBeLessThan(tally.merging.calls);
    }, BUDGET_MS + 60_000);
  });
}
