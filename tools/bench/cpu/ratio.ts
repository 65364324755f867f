/**
 * The CPU bench's headline: cronsumer's CPU per message at batch 100 against
 * the folded loop's (folded.ts), measure by measure, and their ratio (goal:
 * ≤ 1.3×). Per message at batch 100 is (10 batches of 100 − 10 batches of 1)
 * / the extra messages, both runs making 11 requests, so what a request
 * costs cancels out. On a shared, loaded machine the two runs of a pair are
 * made back to back and each pair gives one sample (taking each run's median
 * apart, minutes apart, gave negative costs under a load average of 10), the
 * engines' pairs in turns; figures are medians of the samples. Also the
 * default run's CPU by the profiler (goal: ≤ 10 ms, the Free plan's budget).
 */
import type { Table } from "../report.js";

export const RATIO_GOAL = 1.3;
export const DEFAULT_RUN_GOAL_MS = 10;

export type Side = "today" | "folded";
export type Pair = "b1x10" | "b100x10";
/** One run's CPU in µs by measure, and the messages it took. */
export type Sampled<M extends string> = Partial<Record<M, number>> & { messages: number };
/** Per-message samples in µs, by side and measure. */
export type PerMessage<M extends string> = Record<Side, Partial<Record<M, number[]>>>;

/** `repeats` pairs per side, in turns; `run` makes one run (or replays) of `pair` on `side`. */
export async function pairedPerMessage<M extends string>(run: (side: Side, pair: Pair) => Promise<Sampled<M>>, repeats: number): Promise<PerMessage<M>> {
  const out: PerMessage<M> = { today: {}, folded: {} };
  for (let i = 0; i < repeats; i++) {
    for (const side of (i % 2 ? ["folded", "today"] : ["today", "folded"]) as Side[]) {
      const one = await run(side, "b1x10");
      const hundred = await run(side, "b100x10");
      addPair(out, side, one, hundred);
    }
  }
  return out;
}

/** Adds one pair's per-message sample of every measure both runs have. */
export function addPair<M extends string>(out: PerMessage<M>, side: Side, one: Sampled<M>, hundred: Sampled<M>): void {
  for (const m of Object.keys(hundred) as (M | "messages")[]) {
    if (m === "messages" || one[m] === undefined || hundred[m] === undefined) continue;
    (out[side][m] ??= []).push((hundred[m]! - one[m]!) / (hundred.messages - one.messages));
  }
}

/** The `q` quantile (0 to 1) of the samples, interpolated between the two nearest; NaN without samples. */
const quantile = (xs: readonly number[] | undefined, q: number): number => {
  if (!xs || xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = q * (s.length - 1);
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
};
const median = (xs: readonly number[] | undefined): number => quantile(xs, 0.5);

export interface RatioInput<M extends string> {
  samples: PerMessage<M>;
  measures: readonly (readonly [M, string])[];
  /** The default run's CPU by the profiler, in µs. */
  defaultRunUs: number;
}

export function ratioFigures<M extends string>(samples: PerMessage<M>, m: M): { folded: number; today: number; ratio: number; n: number } {
  const folded = median(samples.folded[m]);
  const today = median(samples.today[m]);
  return { folded, today, ratio: today / folded, n: Math.min(samples.folded[m]?.length ?? 0, samples.today[m]?.length ?? 0) };
}

export function foldedRatioTable<M extends string>(r: RatioInput<M>): Table {
  const us = (x: number) => (Number.isNaN(x) ? "–" : x.toFixed(2));
  return {
    title: `CPU per message at batch 100 (µs): cronsumer's run against a minimal folded loop through the same client (goal ≤ ${RATIO_GOAL}×)`,
    columns: ["Measure", "pairs", "folded loop", "cronsumer", "cronsumer ÷ folded", "folded, quartiles", "cronsumer, quartiles"],
    rows: r.measures.map(([m, label]) => {
      const f = ratioFigures(r.samples, m);
      const quartiles = (xs: readonly number[] | undefined) => `${us(quantile(xs, 0.25))}–${us(quantile(xs, 0.75))}`;
      const ratio = Number.isFinite(f.ratio) && f.folded > 0 ? `${f.ratio.toFixed(2)}×` : "–";
      return [label, String(f.n), us(f.folded), us(f.today), ratio, quartiles(r.samples.folded[m]), quartiles(r.samples.today[m])];
    }),
    notes: [
      "folded loop (tools/bench/cpu/folded.ts): XREADGROUP COUNT 100, a no-op handler per message (its fields as an object), then one /pipeline with the batch's XACK and the next XREADGROUP, until a short read or maxMessages; the same @upstash/redis client and HTTP layer as the run's. No recovery, retries, budget, report or features.",
      "Each sample: (batch 100 × 10 − batch 1 × 10) / 990, the two runs back to back; cronsumer's and the folded loop's pairs in turns; medians of the samples. The ratio is of the medians; the quartiles show how far the samples spread on this machine.",
      `The default run (batch 10, Free budget) measured ${(r.defaultRunUs / 1000).toFixed(1)} ms by the profiler (goal ≤ ${DEFAULT_RUN_GOAL_MS} ms).`,
    ],
  };
}
