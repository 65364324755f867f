/**
 * Fault injection, for tests and the reliability drill.
 *
 * `before` runs before Redis sees a request, `after` once Redis has run it:
 * "drop" after means the write happened but the client never learns it,
 * which is exactly the case a retrying producer must survive.
 */

import { mulberry32 } from "../prng.js";

export { mulberry32 };

/** Destroy the socket without answering, or answer this status without running anything more. */
export type Fault = "drop" | { status: number };

export interface FaultContext {
  /** The route: "/", "/pipeline" or "/multi-exec". */
  readonly path: string;
  readonly commands: readonly (readonly string[])[];
}

export interface Faults {
  before?(ctx: FaultContext): Fault | undefined;
  /** `answer` is the body Redis's replies would be sent in (before base64): the drill reads dropped deliveries from it. */
  after?(ctx: FaultContext, answer?: unknown): Fault | undefined;
}

export interface RandomFaultOptions {
  /** Share of requests that fail, from 0 to 1. */
  rate: number;
  /** Same seed, same sequence of faults, so a failing drill can be replayed. */
  seed: number;
}

/**
 * At `rate`, picks uniformly among: 503 before running, drop before running,
 * drop after running.
 */
export function randomFaults({ rate, seed }: RandomFaultOptions): Faults {
  if (!(rate >= 0 && rate <= 1)) throw new TypeError(`Expected \`rate\` to be a number from 0 to 1, got ${rate}`);
  if (!Number.isInteger(seed)) throw new TypeError(`Expected \`seed\` to be an integer, got ${seed}`);
  const random = mulberry32(seed);
  // The same ctx object is passed to before() and after() for one request.
  const dropAfter = new WeakSet<FaultContext>();
  return {
    before: function randomFaultBefore(ctx) {
      if (random() >= rate) return undefined;
      const pick = Math.floor(random() * 3);
      if (pick === 0) return { status: 503 };
      if (pick === 1) return "drop";
      dropAfter.add(ctx);
      return undefined;
    },
    after: function randomFaultAfter(ctx) {
      return dropAfter.has(ctx) ? "drop" : undefined;
    },
  };
}
