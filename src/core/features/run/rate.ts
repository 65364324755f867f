/**
 * The rate limit in a run (rate-limit.ts has the tokens). The first request
 * reserves a batch's tokens and reads only the gates; each later fetch asks
 * for no more than the run holds, and reserves the next batch beside it.
 * When the window is spent the run waits for the next (within `maxRunMs`),
 * or stops. Tokens a read did not use (it found fewer entries than it asked
 * for) and the part of a reservation that was not granted are given back in
 * the run's last request, while their window lasts, so an idle or short
 * run leaves the window's count at what was really handed over.
 */
import type { RateLimit } from "../../define/options.js";
import type { Settled } from "../../redis/ops.js";
import type { Feature, RunScope } from "../feature.js";
import { RateTokens } from "../rate-limit.js";

export function rate(s: RunScope, limit: RateLimit | undefined): Feature | undefined {
  if (!limit) return undefined;
  const tokens = new RateTokens(s.target.stream, s.target.group, limit);
  const reserve = () => ({ ops: tokens.reserveOps(s.o.batchSize, s.now()), replies: absorb });
  const absorb = (settled: readonly Settled<unknown>[]) => {
    const values = settled.flatMap((x) => (x.ok ? [x.value] : []));
    if (values.length > 0 && values.length === settled.length) tokens.absorb(values);
  };
  let taken = 0;
  return {
    first: () => ({ gatesOnly: true, ride: reserve() }),
    slowDown: (ms) => tokens.slowDown(s.now() + ms),
    handled(outcomes) {
      for (const x of outcomes) if (!x.ok && x.slowDownMs !== undefined) tokens.slowDown(s.now() + x.slowDownMs);
    },
    next(_kind, size) {
      taken = tokens.take(size, s.now());
      return taken > 0 ? { size: taken } : { waitMs: tokens.waitMs(s.now()), reason: "rateLimit" };
    },
    ride(kind) {
      if (kind === "read" || kind === "recover") return reserve();
      if (kind === "wait") return undefined;
      if (kind === "waited") return reserve();
      return { ops: tokens.refundOps(s.now()) };
    },
    fetched(_kind, fetched, requested) {
      // Tokens paid for entries the fetch did not find are the run's again.
      tokens.giveBack(Math.max(0, Math.min(taken, requested) - fetched.toHandle.length - fetched.expired.length));
      taken = 0;
    },
  };
}
