/**
 * Seeded random sequences of stream commands, each reply compared with real
 * Redis. Reproduce a failure with ENGINE_FUZZ_SEEDS=<seed>; search wider with
 * ENGINE_FUZZ_SEEDS=1,2,… and ENGINE_FUZZ_STEPS=<n>.
 */
import { describe, expect, test } from "vitest";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { differentialSuite } from "./differential.js";
import { describeMismatches, engineSide, keyPrefix, realSide, runDifferential } from "./harness.js";
import { randomScript } from "./random-script.js";

const SEEDS = (process.env.ENGINE_FUZZ_SEEDS ?? "1,2,3,4,5").split(",").map(Number);
const STEPS = Number(process.env.ENGINE_FUZZ_STEPS ?? 1500);

describe.skipIf(ON_ENGINE)(realRedisOnly("engine vs redis: seeded random sequences"), () => {
  differentialSuite();

  for (const seed of SEEDS) {
    test(`seed ${seed}: ${STEPS} commands`, async () => {
      const steps = randomScript(seed, STEPS, keyPrefix(`fuzz-${seed}`));
      const [real, engine] = await Promise.all([realSide(), engineSide()]);
      try {
        const mismatches = await runDifferential(steps, { real, engine });
        expect(mismatches, describeMismatches(mismatches, `seed ${seed} (rerun: ENGINE_FUZZ_SEEDS=${seed})`)).toEqual([]);
      } finally {
        await Promise.all([real.close(), engine.close()]);
      }
    });
  }
});
