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
 * An id's millisecond part, read digit by digit up to its "-", without splitting it: workerd's
 * `parseInt` of a string with a tail took about 80 ns per message.
 */
function idMs(id: string): number {
  let ms = 0;
  for (let i = 0; i < id.length; i++) {
    const digit = id.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    ms = ms * 10 + digit;
  }
  return ms;
}

/**
 * A run's latencies, kept as runs of equal values. A batch is acknowledged
 * by one commit, so messages enqueued in the same millisecond (an enqueue
 * of many, or a backlog) have one latency: a batch of 100 is a handful of
 * runs, and the summary sorts a handful instead of one value per message.
 * For the same reason an id is not read digit by digit when its millisecond
 * part is the last id's: ids with the millisecond part m are exactly the
 * strings from "m-" up to (not including) "m.", and two string comparisons
 * cost a third of the digit loop in V8, which ran per message. The bounds
 * are made flat: V8 compares a sliced or concatenated string several times
 * slower than a flat one.
 */
export class Latencies {
  readonly #values: number[] = [];
  readonly #counts: number[] = [];
  /** The current run of equal values: its value and its count. */
  #value = -1;
  #count = 0;
  /** The bounds of the last id's millisecond part, and what it reads as. */
  #from = "-";
  #below = "-";
  #ms = 0;

  /** A message acknowledged at `ackedAt`, by its id: milliseconds since its enqueue (its id), never negative (clocks differ). */
  add(id: string, ackedAt: number): void {
    if (!(id >= this.#from && id < this.#below)) {
      this.#ms = idMs(id);
      this.#from = flat(`${this.#ms}-`);
      this.#below = flat(`${this.#ms}.`);
    }
    const value = Math.max(0, ackedAt - this.#ms);
    if (value === this.#value) this.#count += 1;
    else {
      this.#close();
      this.#value = value;
      this.#count = 1;
    }
  }

  summary(): LatencySummary | undefined {
    this.#close();
    return summarizeCounted(this.#values, this.#counts);
  }

  #close(): void {
    if (this.#count === 0) return;
    this.#values.push(this.#value);
    this.#counts.push(this.#count);
    this.#value = -1;
    this.#count = 0;
  }
}

/** The same string, flat (one-byte, not a slice or a concatenation): rebuilt from its char codes. */
const flat = (s: string): string => String.fromCharCode(...Array.from(s, (c) => c.charCodeAt(0)));

/** Nearest-rank percentiles; undefined when nothing was acknowledged. */
export const summarizeLatency = (values: readonly number[]): LatencySummary | undefined => summarizeCounted(values, values.map(() => 1));

/** Nearest-rank percentiles of `values[i]` seen `counts[i]` times. */
function summarizeCounted(values: readonly number[], counts: readonly number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const count = counts.reduce((a, b) => a + b, 0);
  const ranks = [50, 95, 99].map((p) => Math.min(count, Math.max(1, Math.ceil((p / 100) * count))));
  const at: number[] = [];
  let seen = 0;
  for (const i of order) {
    seen += counts[i]!;
    while (at.length < ranks.length && ranks[at.length]! <= seen) at.push(values[i]!);
  }
  return { count, p50: at[0]!, p95: at[1]!, p99: at[2]!, max: values[order[order.length - 1]!]! };
}
