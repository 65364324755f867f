/**
 * The clock of a test harness: real time plus whatever the test skipped.
 * It never runs behind `Date.now()`, so what code reads from the real clock
 * (the producer stamps a delayed message's due time with it) is never in
 * this clock's future; and it never runs backwards. The in-memory store
 * measures idle times on it, and runs read it for delays, rate windows and
 * leases, so `advance(ms)` makes a retry due, a pending entry idle past its
 * visibility timeout, a delayed message due, or a rate window pass, at once.
 */

export interface TestClock {
  /** Unix ms: `Date.now()` plus every `advance` so far. */
  now(): number;
  /** Moves the clock forward by `ms` at once (no sleeping). */
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let skippedMs = 0;
  return {
    now: () => Date.now() + skippedMs,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new TypeError(`Expected \`ms\` to be a number of milliseconds from 0 up, got ${ms}`);
      skippedMs += ms;
    },
  };
}
