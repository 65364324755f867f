/**
 * Retry delays. A failed message stays pending; its retry is scheduled by
 * resetting its idle time with `XCLAIM … IDLE (visibilityTimeoutMs − delay)
 * JUSTID`, so the recovery sweep (which claims entries idle for at least
 * `visibilityTimeoutMs`) picks it up once `delay` has passed. Redis clamps
 * an idle time into [0, now], so a delay can never exceed the visibility
 * timeout: that is why `maxDelayMs ≤ visibilityTimeoutMs` is enforced.
 */
import type { BackoffOptions } from "./options.js";

/** Delay before retrying after the given (1-based) failed attempt. */
export function retryDelayMs(backoff: BackoffOptions, attempt: number): number {
  const { strategy, baseDelayMs, maxDelayMs } = backoff;
  const n = Math.max(1, attempt);
  const raw = strategy === "fixed" ? baseDelayMs : strategy === "linear" ? baseDelayMs * n : baseDelayMs * 2 ** (n - 1);
  return Math.min(maxDelayMs, raw);
}

/** The idle time to set so the message becomes eligible after `delayMs`. */
export function idleForDelay(visibilityTimeoutMs: number, delayMs: number): number {
  return Math.max(0, visibilityTimeoutMs - Math.min(delayMs, visibilityTimeoutMs));
}
