/**
 * A fault mix with its own rate for each kind: `status503Rate` of requests
 * answered 503 before Redis sees them, `dropRate` of connections dropped,
 * half before Redis ran the request and half after. The ordering drill's
 * `--compare` uses 5% and 2%, the mix its goal is stated in.
 */
import type { FaultContext, Faults } from "../../bridge/faults.js";
import { mulberry32 } from "../../prng.js";

export interface FaultMix {
  status503Rate: number;
  dropRate: number;
  seed: number;
}

export function mixedFaults({ status503Rate, dropRate, seed }: FaultMix): Faults {
  if (!(status503Rate >= 0 && dropRate >= 0 && status503Rate + dropRate <= 1)) throw new TypeError(`Expected fault rates from 0 to 1 in all, got 503 ${status503Rate} and drop ${dropRate}`);
  const random = mulberry32(seed);
  const dropAfter = new WeakSet<FaultContext>();
  return {
    before: function mixedFaultBefore(ctx) {
      const x = random();
      if (x < status503Rate) return { status: 503 };
      if (x < status503Rate + dropRate / 2) return "drop";
      if (x < status503Rate + dropRate) dropAfter.add(ctx);
      return undefined;
    },
    after: (ctx) => (dropAfter.has(ctx) ? "drop" : undefined),
  };
}
