/**
 * Wiring for differential test files: one real-Redis connection per file, a
 * fresh engine per test, and `check(label, build)` to declare a script whose
 * replies must match step for step.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeMismatches, engineSide, keyPrefix, realSide, runDifferential, type Side, type Step } from "./harness.js";

/** Builds steps over prefixed key names: `k("s")` is this test's own key "s". */
export type Script = (k: (name: string) => string) => Step[];

export function differentialSuite(): { check(label: string, build: Script): void } {
  let real: Side;
  beforeAll(async () => {
    real = await realSide();
  });
  afterAll(async () => {
    await real.close();
  });
  return {
    check(label, build) {
      test(label, async () => {
        const steps = build(keyPrefix(label.replace(/\W+/g, "-").slice(0, 40)));
        const engine = await engineSide();
        try {
          const mismatches = await runDifferential(steps, { real, engine });
          expect(mismatches, describeMismatches(mismatches, label)).toEqual([]);
        } finally {
          await engine.close();
        }
      });
    },
  };
}

/** `XADD key id f v …` for ids 1-0 … n-0 (explicit IDs keep runs deterministic). */
export function addEntries(key: string, count: number, from = 1, fields: (i: number) => string[] = (i) => ["n", String(i)]): Step[] {
  return Array.from({ length: count }, (_, i) => ["XADD", key, `${from + i}-0`, ...fields(from + i)]);
}
