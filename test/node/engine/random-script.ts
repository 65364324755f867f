/**
 * Seeded random command sequences over a few streams, groups and consumers:
 * mostly plausible commands, some deliberately wrong. The generator keeps
 * only a rough model (which IDs it added), so errors and no-ops happen as
 * they would in real use. Nothing depends on wall-clock timing: IDs are
 * explicit, and idle thresholds are either 0 or far beyond the run's length
 * (entries are aged with XCLAIM IDLE/TIME).
 */
import { mulberry32 } from "../../../src/dev/prng.js";
import type { Step } from "./harness.js";

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
export const prng = mulberry32;

const AGED = "600000";
const THRESHOLD = "300000";

export function randomScript(seed: number, length: number, k: (name: string) => string): Step[] {
  const random = prng(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(values: readonly T[]): T => values[int(0, values.length - 1)]!;
  const chance = (p: number) => random() < p;

  const streams = [k("s1"), k("s1"), k("s1"), k("s2")];
  const groups = ["g1", "g1", "g2", "g3"];
  const consumers = ["c1", "c2", "c3", "c4"];
  const added = new Map<string, string[]>(streams.map((s) => [s, []]));
  const clock = new Map<string, number>(streams.map((s) => [s, 0]));
  const lastSeq = new Map<string, number>(streams.map((s) => [s, 0]));

  const knownId = (stream: string): string => {
    const ids = added.get(stream)!;
    if (ids.length === 0 || chance(0.1)) return `${int(0, (clock.get(stream) ?? 0) + 2)}-${int(0, 2)}`;
    return pick(ids.slice(-60));
  };
  const rangeBound = (stream: string, low: boolean): string => {
    const roll = random();
    if (roll < 0.3) return low ? "-" : "+";
    if (roll < 0.45) return `(${knownId(stream)}`;
    if (roll < 0.55) return String(int(0, clock.get(stream)! + 1));
    return knownId(stream);
  };
  const value = (): string => {
    const roll = random();
    const size = roll < 0.75 ? int(1, 20) : roll < 0.95 ? int(60, 400) : int(1200, 3000);
    return chance(0.2) ? String(int(0, 100000)) : "v".repeat(size);
  };
  const fields = (): string[] => {
    const shape = int(0, 3);
    if (shape === 0) return ["f", value()];
    if (shape === 1) return ["a", value(), "b", value()];
    if (shape === 2) return ["n", String(int(0, 999))];
    return [pick(["x", "y", "z"]), value()];
  };
  const trim = (): string[] => {
    const strategy = pick(["MAXLEN", "MINID"]);
    const approx = pick(["~", "=", ""]);
    const arg = strategy === "MAXLEN" ? String(int(0, 250)) : knownId(pick(streams));
    const limit = approx === "~" && chance(0.3) ? ["LIMIT", String(pick([0, 50, 100, 200]))] : [];
    return [strategy, ...(approx ? [approx] : []), arg, ...limit];
  };

  const xadd = (stream: string): string[] => {
    const previous = clock.get(stream)!;
    const ms = previous + int(0, 2);
    const seq = ms === previous ? lastSeq.get(stream)! + int(1, 2) : int(0, 2);
    let id = `${ms}-${seq}`;
    const roll = random();
    // Mostly valid IDs; some stale ones (rejected) and some `<ms>-*`.
    if (roll < 0.04) id = `${Math.max(0, previous - int(0, 3))}-${int(0, 1)}`;
    else if (roll < 0.15) id = `${ms}-*`;
    else {
      clock.set(stream, ms);
      lastSeq.set(stream, seq);
      added.get(stream)!.push(id);
    }
    const options = chance(0.07) ? trim() : [];
    if (chance(0.03)) options.unshift("NOMKSTREAM");
    return ["XADD", stream, ...options, id, ...fields()];
  };

  const xreadgroup = (stream: string): string[] => {
    const options = chance(0.7) ? ["COUNT", String(int(1, 12))] : [];
    if (chance(0.06)) options.push("NOACK");
    const id = chance(0.8) ? ">" : chance(0.5) ? "0" : knownId(stream);
    const keys = chance(0.1) ? [k("s1"), k("s2")] : [stream];
    return ["XREADGROUP", "GROUP", pick(groups), pick(consumers), ...options, "STREAMS", ...keys, ...keys.map(() => id)];
  };

  const xclaim = (stream: string): string[] => {
    const ids = Array.from({ length: int(1, 4) }, () => knownId(stream));
    const options: string[] = [];
    if (chance(0.3)) options.push("IDLE", pick([AGED, "0"]));
    else if (chance(0.1)) options.push("TIME", "1");
    if (chance(0.25)) options.push("JUSTID");
    if (chance(0.1)) options.push("FORCE");
    if (chance(0.1)) options.push("RETRYCOUNT", String(int(0, 5)));
    if (chance(0.05)) options.push("LASTID", knownId(stream));
    return ["XCLAIM", stream, pick(groups), pick(consumers), pick(["0", "0", THRESHOLD]), ...ids, ...options];
  };

  const xgroup = (stream: string): string[] => {
    const group = pick(groups);
    const roll = random();
    if (roll < 0.35) {
      const options = chance(0.3) ? ["MKSTREAM"] : [];
      if (chance(0.15)) options.push("ENTRIESREAD", String(int(-1, 20)));
      return ["XGROUP", "CREATE", stream, group, pick(["0", "$", knownId(stream)]), ...options];
    }
    if (roll < 0.6) {
      const options = chance(0.3) ? ["ENTRIESREAD", String(int(-1, 40))] : [];
      return ["XGROUP", "SETID", stream, group, pick(["0", "$", knownId(stream)]), ...options];
    }
    if (roll < 0.75) return ["XGROUP", "CREATECONSUMER", stream, group, pick(consumers)];
    if (roll < 0.9) return ["XGROUP", "DELCONSUMER", stream, group, pick(consumers)];
    return ["XGROUP", "DESTROY", stream, group];
  };

  const command = (): string[] => {
    const stream = pick(streams);
    const roll = random() * 100;
    if (roll < 24) return xadd(stream);
    if (roll < 42) return xreadgroup(stream);
    if (roll < 51) return ["XACK", stream, pick(groups), ...Array.from({ length: int(1, 4) }, () => knownId(stream))];
    if (roll < 58) return xclaim(stream);
    if (roll < 64) {
      const options = [...(chance(0.6) ? ["COUNT", String(int(1, 8))] : []), ...(chance(0.3) ? ["JUSTID"] : [])];
      const start = pick(["0", "0-0", "-", knownId(stream), `(${knownId(stream)}`]);
      return ["XAUTOCLAIM", stream, pick(groups), pick(consumers), pick(["0", THRESHOLD]), start, ...options];
    }
    if (roll < 70) {
      if (chance(0.35)) return ["XPENDING", stream, pick(groups)];
      const idle = chance(0.3) ? ["IDLE", THRESHOLD] : [];
      const owner = chance(0.3) ? [pick(consumers)] : [];
      const range = [rangeBound(stream, true), rangeBound(stream, false), String(int(0, 15))];
      return ["XPENDING", stream, pick(groups), ...idle, ...range, ...owner];
    }
    if (roll < 74) return ["XDEL", stream, ...Array.from({ length: int(1, 3) }, () => knownId(stream))];
    if (roll < 77) return ["XTRIM", stream, ...trim()];
    if (roll < 83) return xgroup(stream);
    if (roll < 89) {
      const which = random();
      if (which < 0.3) return ["XINFO", "STREAM", stream];
      if (which < 0.45) return ["XINFO", "STREAM", stream, "FULL", "COUNT", String(int(0, 20))];
      if (which < 0.75) return ["XINFO", "GROUPS", stream];
      return ["XINFO", "CONSUMERS", stream, pick(groups)];
    }
    if (roll < 95) {
      const which = random();
      const count = chance(0.5) ? ["COUNT", String(int(0, 10))] : [];
      if (which < 0.45) return ["XRANGE", stream, rangeBound(stream, true), rangeBound(stream, false), ...count];
      if (which < 0.8) return ["XREVRANGE", stream, rangeBound(stream, false), rangeBound(stream, true), ...count];
      return ["XLEN", stream];
    }
    if (roll < 97) return ["XREAD", ...(chance(0.5) ? ["COUNT", String(int(1, 5))] : []), "STREAMS", stream, pick(["0", "$", knownId(stream)])];
    if (roll < 98) return pick([["SET", k("str"), "x"], ["XADD", k("str"), "1-1", "f", "v"], ["XREADGROUP", "GROUP", "g1", "c1", "STREAMS", k("str"), ">"]]);
    return ["XINFO", "STREAM", stream, "FULL", "COUNT", "0"];
  };

  const steps: Step[] = [];
  for (let i = 0; i < length; i++) {
    steps.push(chance(0.02) ? { tx: Array.from({ length: int(1, 4) }, command) } : command());
  }
  return steps;
}
