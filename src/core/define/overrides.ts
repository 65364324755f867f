/**
 * Per-deployment overrides: any numeric or boolean option can be set by a var
 * named `FN_<NAME>_<OPTION>` in SCREAMING_SNAKE case, e.g.
 * `FN_PAYMENTS_VISIBILITY_TIMEOUT_MS=120000`. Nested options join their path:
 * `FN_PAYMENTS_BACKOFF_BASE_DELAY_MS`, `FN_PAYMENTS_RETENTION_MAX_LEN`.
 */
import { ConfigError } from "../redis/errors.js";
import type { FunctionOptions } from "./options.js";

export type Vars = Record<string, unknown>;

export const screamingSnake = (s: string): string =>
  s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();

/** Each overridable option: its path in the options object and its kind. */
interface Overridable {
  path: [string] | [string, string];
  kind: "number" | "boolean";
}

function overridables(o: FunctionOptions): Overridable[] {
  const list: Overridable[] = [];
  for (const [key, value] of Object.entries(o)) {
    if (typeof value === "number" || typeof value === "boolean") list.push({ path: [key], kind: typeof value as "number" | "boolean" });
  }
  for (const key of Object.keys(o.backoff)) {
    if (key !== "strategy") list.push({ path: ["backoff", key], kind: "number" });
  }
  list.push({ path: ["retention", "maxLen"], kind: "number" });
  return list;
}

/** Names already spelled: every run looks up every option's var, and the two regexes per name were a good part of an idle run's CPU. */
const spelled = new Map<string, string>();

export function overrideVarName(fn: string, path: readonly string[]): string {
  const key = `${fn}\u0000${path.join("\u0000")}`;
  let name = spelled.get(key);
  if (name === undefined) {
    name = `FN_${screamingSnake(fn)}_${path.map(screamingSnake).join("_")}`;
    spelled.set(key, name);
  }
  return name;
}

function parseValue(name: string, raw: unknown, kind: "number" | "boolean"): number | boolean {
  const text = String(raw).trim();
  if (kind === "boolean") {
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
    throw new ConfigError(`${name} must be "true" or "false"; got ${JSON.stringify(raw)}`);
  }
  if (!/^-?\d+$/.test(text)) throw new ConfigError(`${name} must be an integer; got ${JSON.stringify(raw)}`);
  return Number(text);
}

/** Returns the options with every matching `FN_*` var applied, and the names that applied. */
export function applyOverrides(fn: string, options: FunctionOptions, vars: Vars): { options: FunctionOptions; applied: string[] } {
  const result: FunctionOptions = { ...options, backoff: { ...options.backoff }, retention: options.retention && { ...options.retention } };
  const applied: string[] = [];
  for (const { path, kind } of overridables(options)) {
    const name = overrideVarName(fn, path);
    const raw = vars[name];
    if (raw === undefined || raw === "") continue;
    const value = parseValue(name, raw, kind);
    if (path.length === 1) {
      (result as unknown as Record<string, unknown>)[path[0]] = value;
    } else if (path[0] === "retention") {
      result.retention = { ...result.retention, maxLen: value as number };
    } else {
      (result.backoff as unknown as Record<string, unknown>)[path[1]] = value;
    }
    applied.push(name);
  }
  return { options: result, applied };
}

/** Vars that look like overrides for this function but match no option: almost always a typo. */
export function unknownOverrides(fn: string, options: FunctionOptions, vars: Vars): string[] {
  const prefix = `FN_${screamingSnake(fn)}_`;
  const known = new Set(overridables(options).map((o) => overrideVarName(fn, o.path)));
  return Object.keys(vars).filter((k) => k.startsWith(prefix) && !known.has(k));
}
