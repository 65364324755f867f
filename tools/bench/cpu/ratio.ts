/**
 * The CPU bench's headline: cronsumer's CPU per message at batch 100 against
 * the folded loop's (folded.ts), measure by measure, and their ratio (goal:
 * ≤ 1.3×). Both are derived alike, (10 batches of 100 − 10 batches of 1) /
 * the extra messages, from runs made in turns in one bench, so the client's
 * cost, the per-request cost and the machine's load cancel out as far as
 * they can. Also the default run's CPU by the profiler (goal: ≤ 10 ms, the
 * Free plan's budget).
 */
import type { Table } from "../report.js";

export const RATIO_GOAL = 1.3;
export const DEFAULT_RUN_GOAL_MS = 10;

/** What the table needs of one run's medians: a figure per measure `M`, and the messages it took. */
export type RunFigures<M extends string> = Record<M, number> & { messages: number };

export interface RatioInput<M extends string> {
  /** `key → figures` for cronsumer's runs and the folded loop's: both have `b1x10` and `b100x10`. */
  today: ReadonlyMap<string, RunFigures<M>>;
  folded: ReadonlyMap<string, RunFigures<M>>;
  measures: readonly (readonly [M, string])[];
  /** The default run's CPU by the profiler, in µs. */
  defaultRunUs: number;
}

/** (batch 100 × 10 − batch 1 × 10) / the extra messages, in µs, for measure `m`. */
export function perMessageAt100<M extends string>(runs: ReadonlyMap<string, RunFigures<M>>, m: M): number {
  const one = runs.get("b1x10");
  const hundred = runs.get("b100x10");
  if (!one || !hundred) return NaN;
  return (hundred[m] - one[m]) / (hundred.messages - one.messages);
}

export function foldedRatioTable<M extends string>(r: RatioInput<M>): Table {
  const us = (x: number) => (Number.isNaN(x) ? "–" : x.toFixed(2));
  return {
    title: `CPU per message at batch 100 (µs): cronsumer's run against a minimal folded loop through the same client (goal ≤ ${RATIO_GOAL}×)`,
    columns: ["Measure", "folded loop", "cronsumer", "cronsumer ÷ folded"],
    rows: r.measures.map(([m, label]) => {
      const folded = perMessageAt100(r.folded, m);
      const today = perMessageAt100(r.today, m);
      const ratio = today / folded;
      return [label, us(folded), us(today), Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : "–"];
    }),
    notes: [
      "folded loop (tools/bench/cpu/folded.ts): XREADGROUP COUNT 100, a no-op handler per message (its fields as an object), then one /pipeline with the batch's XACK and the next XREADGROUP, until a short read or maxMessages; the same @upstash/redis client and HTTP layer as the run's. No recovery, retries, budget, report or features.",
      "Both derived alike: (batch 100 × 10 − batch 1 × 10) / the extra messages, runs made in turns, medians; so what the two share per request and per message (the client, JSON, HTTP) cancels out of the difference, not out of the ratio.",
      `The default run (batch 10, Free budget) measured ${(r.defaultRunUs / 1000).toFixed(1)} ms by the profiler (goal ≤ ${DEFAULT_RUN_GOAL_MS} ms).`,
    ],
  };
}
