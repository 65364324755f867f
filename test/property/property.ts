/**
 * The property: for any option set the matrix allows, any workload and any
 * faults, once the faults stop and the runs come to rest, every invariant
 * holds. Refused option sets (ConfigError) are skipped and counted, so the
 * report shows which pairs of options were exercised and which refused.
 *
 * `npm test` uses a fixed seed and few runs; `npm run fuzz` sets
 * PBT_SEED, PBT_RUNS and PBT_PATH (tools/fuzz/main.ts) to go longer or to
 * replay one shrunk case.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { ConfigError } from "../../src/core/redis/errors.js";
import { Case } from "./case.js";
import { commandsArb, initialArb } from "./commands.js";
import { buildFunctions, caseKeys } from "./functions.js";
import { MATRIX, optionSetArb, pairsOf } from "./generators.js";
import { violations } from "./invariants.js";
import type { Store } from "./store.js";

export interface Tally {
  exercised: Map<string, number>;
  refused: Map<string, number>;
  /** The first ConfigError message per refused pair: a refusal the matrix does not mean shows here. */
  reasons: Map<string, string>;
  /** Cases run to the end, and cases skipped for a refused option set. */
  cases: { run: number; refused: number };
  /** Faults that struck, by kind, over all cases. */
  fired: Map<string, number>;
}

export const newTally = (): Tally => ({ exercised: new Map(), refused: new Map(), reasons: new Map(), fired: new Map(), cases: { run: 0, refused: 0 } });

const bump = (map: Map<string, number>, keys: readonly string[]) => {
  for (const k of keys) map.set(k, (map.get(k) ?? 0) + 1);
};

export function caseProperty(store: Store, tally: Tally) {
  return fc.asyncProperty(optionSetArb, initialArb, commandsArb(process.env.PBT_REPLAY), async (set, initial, commands) => {
    const keys = caseKeys(randomUUID().slice(0, 8));
    const pairs = pairsOf(set.features);
    const c = new Case(store, set, keys, []);
    let fns;
    try {
      fns = buildFunctions(set, keys, c.history, (stream, group, id) => c.deliveries(stream, group, id));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // The refusal names the options it refuses: count that pair, not every pair of the set.
      const named = MATRIX.filter((f) => error.message.includes(`\`${f}\``));
      const refused = named.length >= 2 ? named.slice(0, 2).join("+") : `other: ${error.message.replace(/^polling function "[^"]*": /, "").slice(0, 80)}`;
      bump(tally.refused, [refused]);
      tally.cases.refused += 1;
      if (!tally.reasons.has(refused)) tally.reasons.set(refused, error.message.replace(/^polling function "[^"]*": /, ""));
      return;
    }
    bump(tally.exercised, pairs.length > 0 ? pairs : set.features.length > 0 ? set.features : ["(defaults)"]);
    c.fns.push(...fns);
    try {
      // Every group exists before the first message, as a deployment's groups do: retention may trim what all of them are done with.
      await c.createGroups();
      await c.enqueue(initial);
      await fc.asyncModelRun(() => ({ model: { faulted: 0, late: 0 }, real: c }), commands);
      await c.quiesce();
      bump(tally.fired, c.fired);
      tally.cases.run += 1;
      const found = await violations(c);
      if (found.length > 0) throw new Error(`${found.length} invariant(s) broken on ${store.kind}:\n  ${found.slice(0, 12).join("\n  ")}\nhandler calls: ${JSON.stringify(c.history.calls.map((x) => [x.group, x.n, x.attempt, x.verdict]))}`);
    } finally {
      await c.cleanup();
    }
  });
}

export interface RunSettings {
  seed: number;
  numRuns: number;
  path?: string;
}

/** Fixed for `npm test`; PBT_SEED / PBT_RUNS / PBT_PATH for fuzzing and replay. */
export function settings(defaults: { seed: number; numRuns: number }): RunSettings {
  const env = process.env;
  return {
    seed: env.PBT_SEED ? Number(env.PBT_SEED) : defaults.seed,
    numRuns: env.PBT_RUNS ? Number(env.PBT_RUNS) : env.PBT_PATH ? 1 : defaults.numRuns,
    ...(env.PBT_PATH ? { path: env.PBT_PATH } : {}),
  };
}

export function printTally(kind: string, tally: Tally): void {
  const rows = (map: Map<string, number>) =>
    [...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `  ${k}: ${n}${tally.reasons.has(k) && map === tally.refused ? ` (${tally.reasons.get(k)})` : ""}`);
  console.log([`property cases on ${kind}: ${tally.cases.run} run, ${tally.cases.refused} refused; pairs exercised`, ...rows(tally.exercised), "refused (ConfigError)", ...rows(tally.refused), "faults that struck", ...rows(tally.fired)].join("\n"));
}
