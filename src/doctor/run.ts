/**
 * Runs the checks one after another on fresh keys, and deletes every key at
 * the end, whatever happened. A check that throws (a reply it cannot read, a
 * refused setup command, a lost connection) becomes a failed row naming it,
 * and the next check still runs.
 */
import type { Transport } from "../core/redis/transport.js";
import type { Check, CheckResult, DoctorContext } from "./check.js";
import { row } from "./check.js";
import { CHECKS } from "./checks/index.js";
import { doctorKeys, KEY_TTL_SECONDS } from "./keys.js";
import { describeError } from "./outcome.js";

/** Upstash's documented cap on one request. */
export const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** The row reported when the database cannot be reached; no check runs then. */
export const CONNECTION = "connection";

export interface DoctorOptions {
  transport: Transport;
  /** @default every check, see checks/index.ts */
  checks?: readonly Check[];
  /** Names of checks to leave out (the costly ones: "per-consumer pending limit", "request size cap"). */
  skip?: readonly string[];
  /** @default 10 MiB */
  maxRequestBytes?: number;
  /** Fixes the key prefix's random part (tests). */
  random?: string;
}

export interface DoctorReport {
  results: CheckResult[];
  /** Checks that ran, with what they cost. */
  ran: { name: string; cost: string }[];
  ok: boolean;
  /** The prefix of every key the run used. */
  prefix: string;
  /** Keys the cleanup could not delete (they expire within an hour); empty when all went. */
  leftover: string[];
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { transport, checks = CHECKS, skip = [], maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES, random } = options;
  if (!(Number.isInteger(maxRequestBytes) && maxRequestBytes > 0)) {
    throw new TypeError(`Expected \`maxRequestBytes\` to be a positive integer, got ${maxRequestBytes}`);
  }
  const unknown = skip.filter((name) => !checks.some((c) => c.name === name));
  if (unknown.length > 0) throw new TypeError(`Expected \`skip\` to name checks (${checks.map((c) => c.name).join(", ")}); got ${unknown.join(", ")}`);

  const keys = doctorKeys(random);
  const ctx: DoctorContext = {
    transport,
    key: keys.key,
    expire: (key) => ["EXPIRE", key, KEY_TTL_SECONDS],
    ttlSeconds: KEY_TTL_SECONDS,
    maxRequestBytes,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const results: CheckResult[] = [];
  const ran: DoctorReport["ran"] = [];
  let leftover: string[] = [];
  const reachable = await ping(transport);
  if (reachable !== undefined) return { results: [reachable], ran: [], ok: false, prefix: keys.prefix, leftover };
  try {
    for (const check of checks) {
      if (skip.includes(check.name)) continue;
      ran.push({ name: check.name, cost: check.cost });
      try {
        results.push(...(await check.run(ctx)));
      } catch (error) {
        results.push(row(check.name, "the check to run", `failed: ${describeError(error)}`, false));
      }
    }
  } finally {
    leftover = await cleanup(transport, keys.all());
  }
  return { results, ran, ok: results.every((r) => r.ok), prefix: keys.prefix, leftover };
}

/** Before any key is written: an unreachable database or a wrong token is one row, not eight. */
async function ping(transport: Transport): Promise<CheckResult | undefined> {
  try {
    const [outcome] = await transport.pipeline([["PING"]]);
    if (outcome && "result" in outcome && outcome.result === "PONG") return undefined;
    return row(CONNECTION, "PONG", JSON.stringify(outcome), false);
  } catch (error) {
    return row(CONNECTION, "PONG", describeError(error), false);
  }
}

async function cleanup(transport: Transport, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  try {
    const [outcome] = await transport.pipeline([["DEL", ...keys] as const]);
    return outcome && "result" in outcome ? [] : keys;
  } catch {
    return keys;
  }
}
