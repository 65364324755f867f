/**
 * The merged-mode property (invocation.ts): for any 2–3 option sets the
 * matrix allows, run as one invocation's functions through one coalescer,
 * with faults on the merged requests, every part's invariants hold once the
 * runs come to rest, exactly as they must for a part run on its own. A part
 * whose option set is refused is left out (and counted); a case needs two.
 * Every case must have merged at least one request, or it proved nothing.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { ConfigError } from "../../src/core/redis/errors.js";
import { sharedByNeed } from "../../src/functions/scheduled.js";
import { Case } from "./case.js";
import { buildFunctions, caseKeys } from "./functions.js";
import type { Tune } from "./functions.js";
import { MergedCase } from "./invocation.js";
import type { Merging } from "./invocation.js";
import { mergedArb, mergedCommandsArb } from "./merged-commands.js";
import { violations } from "./invariants.js";
import type { Store } from "./store.js";

export interface MergedTally {
  cases: { run: number; skipped: number };
  partsRefused: number;
  /** Cases whose invocations shared Free's budgets by need. */
  sharing: number;
  /** Summed over every case. */
  merging: Merging;
  fired: Map<string, number>;
  parts: Map<number, number>;
}

export const newMergedTally = (): MergedTally => ({
  cases: { run: 0, skipped: 0 },
  partsRefused: 0,
  sharing: 0,
  merging: { calls: 0, requests: 0, commands: 0, riders: 0, mergeable: 0 },
  fired: new Map(),
  parts: new Map(),
});

const shared: Tune = ({ maxSubrequests: _s, maxCpuMs: _c, ...rest }) => rest;

/** The parts' functions, built with the invocation's shared budgets when it would share them, else with their own. */
function build(c: Case, shareBudgets: boolean) {
  const probe = (stream: string, group: string, entry: string) => c.deliveries(stream, group, entry);
  return buildFunctions(c.set, c.keys, c.history, probe, shareBudgets ? shared : undefined);
}

export function mergedProperty(store: Store, tally: MergedTally) {
  return fc.asyncProperty(mergedArb, mergedCommandsArb(process.env.PBT_REPLAY), async (gen, commands) => {
    const id = randomUUID().slice(0, 8);
    const parts: Case[] = [];
    for (const [i, set] of gen.sets.entries()) {
      const c = new Case(store, set, caseKeys(`${id}-${i}`), []);
      try {
        c.fns.push(...build(c, gen.shareBudgets));
        parts.push(c);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        tally.partsRefused += 1;
      }
    }
    if (parts.length < 2) {
      tally.cases.skipped += 1;
      return;
    }
    const all = parts.flatMap((p) => p.fns.flat());
    // Too many to share (runScheduled would split evenly, and refuse them loudly): they keep budgets of their own.
    const sharing = gen.shareBudgets && sharedByNeed(all, {}) !== undefined;
    if (gen.shareBudgets && !sharing) for (const p of parts) p.fns.splice(0, p.fns.length, ...build(p, false));
    if (sharing) tally.sharing += 1;
    const mc = new MergedCase(store, id, parts, gen.maxRequestBytes);
    try {
      await mc.createGroups();
      for (const [i, p] of parts.entries()) await p.enqueue(gen.initial[i]!);
      await fc.asyncModelRun(() => ({ model: { faulted: 0, late: 0 }, real: mc }), commands);
      await mc.quiesce();
      tally.cases.run += 1;
      tally.parts.set(parts.length, (tally.parts.get(parts.length) ?? 0) + 1);
      for (const k of ["calls", "requests", "commands", "riders", "mergeable"] as const) tally.merging[k] += mc.merging[k];
      for (const f of mc.fired) tally.fired.set(f, (tally.fired.get(f) ?? 0) + 1);
      const found: string[] = [];
      for (const [i, p] of parts.entries()) for (const v of await violations(p)) found.push(`part ${i} [${p.set.features.join(",") || "defaults"}]: ${v}`);
      if (mc.merging.mergeable > 0 && mc.merging.riders === 0) found.push(`no request was merged: ${mc.merging.calls} calls went out as ${mc.merging.requests} requests, though ${mc.merging.mergeable} began beside a neighbour they fit with`);
      if (found.length > 0) {
        const calls = parts.map((p, i) => `part ${i}: ${JSON.stringify(p.history.calls.map((x) => [x.group, x.n, x.attempt, x.verdict]))}`);
        throw new Error(`${found.length} invariant(s) broken in merged mode on ${store.kind}:\n  ${found.slice(0, 12).join("\n  ")}\nhandler calls:\n  ${calls.join("\n  ")}`);
      }
    } finally {
      await mc.cleanup();
    }
  });
}

export function printMergedTally(kind: string, t: MergedTally): void {
  const { calls, requests, commands, riders } = t.merging;
  const parts = [...t.parts].map(([n, k]) => `${k} of ${n} parts`).join(", ");
  const fired = [...t.fired].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`).join(", ");
  console.log(
    [
      `merged cases on ${kind}: ${t.cases.run} run (${parts}), ${t.cases.skipped} skipped, ${t.partsRefused} parts refused; ${t.sharing} shared Free's budgets by need`,
      `  ${calls} transport calls went out as ${requests} requests carrying ${commands} commands; ${riders} calls rode in a request another opened`,
      `  faults that struck: ${fired}`,
    ].join("\n"),
  );
}
