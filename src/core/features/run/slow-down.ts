/**
 * A handler's slow-down (`ctx.slowDown(ms)`, `RetryError … slowFunction`):
 * written for the other runs in the commit that follows it (rate-limit.ts
 * `slowKeyOf`, read by every reservation), and obeyed by this run. Without
 * a rate limit no run reads the slow-down before reading, so this run stops
 * reading and the next runs go on.
 */
import type { Feature, RunScope } from "../feature.js";
import { slowDownOp } from "../rate-limit.js";

export function slowDown(s: RunScope): Feature {
  let slowFor = 0;
  const ask = (ms: number) => void (slowFor = Math.max(slowFor, ms));
  return {
    slowDown: ask,
    handled(outcomes) {
      for (const x of outcomes) if (!x.ok && x.slowDownMs !== undefined) ask(x.slowDownMs);
      if (slowFor > 0 && !s.o.rateLimit) s.stop("rateLimit");
    },
    ride() {
      if (slowFor === 0) return undefined;
      const ops = [slowDownOp(s.target.stream, s.target.group, s.now(), slowFor)];
      slowFor = 0;
      return { ops };
    },
  };
}
