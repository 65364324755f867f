/**
 * Enqueue-to-acknowledge latency of one run's successes. A stream id's
 * millisecond part is when Redis accepted the message (its clock), and the
 * acknowledgement is the commit that carries the XACK, so latency is the
 * commit's send time minus the id's time. The run keeps only the percentiles
 * in its report: the dashboard charts them without storing every sample.
 */

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Milliseconds from a message's enqueue (its id) to `ackedAt`; never negative (clocks differ).
 * The id's millisecond part is read digit by digit up to its "-", without splitting it: this runs per
 * message, and workerd's `parseInt` of a string with a tail took about 80 ns of it.
 */
export function sinceEnqueue(id: string, ackedAt: number): number {
  let ms = 0;
  for (let i = 0; i < id.length; i++) {
    const digit = id.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    ms = ms * 10 + digit;
  }
  return Math.max(0, ackedAt - ms);
}

/** Nearest-rank percentiles; undefined when nothing was acknowledged. */
export function summarizeLatency(values: readonly number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  // A typed array sorts numerically without a comparator call per comparison: a run sorts one value per message.
  const sorted = new Float64Array(values).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { count: sorted.length, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1]! };
}
