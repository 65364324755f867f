/**
 * `npm run drill:ordered`: the ordering drill (ordered-drill.ts). Exit 0 when
 * every account's ledger is exactly its seqs in order, 1 when not, 2 when the
 * drill could not run.
 *
 *   npm run drill:ordered -- [--accounts 50] [--per-account 40] [--seed N] [--kills 3] [--fault-rate 0.05] [--var NAME=VALUE]
 *   npm run drill:ordered -- --compare [--status-rate 0.05] [--drop-rate 0.02] [--kills 0] …
 *
 * `--compare` runs it fault-free and then under the mix, and prints both
 * consume times and their ratio (compare.ts).
 */
import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import type { StoreKind } from "../../stack/store.js";
import type { OrderedDrillConfig } from "./ordered-drill.js";
import { compareOrderedDrill } from "./compare.js";
import { ORDERED_DRILL_VARS, runOrderedDrill } from "./ordered-drill.js";

const string = { type: "string" } as const;
const { values } = parseArgs({
  options: {
    accounts: string, "per-account": string, "fail-once": string, seed: string, kills: string, "fault-rate": string, "faults-until": string,
    "cron-every": string, "manual-lanes": string, "manual-every": string, producers: string, batch: string, "drain-timeout": string,
    var: { type: "string", multiple: true }, compare: { type: "boolean" }, trace: { type: "boolean" }, "status-rate": string, "drop-rate": string,
  },
  strict: true,
});

function num(name: Exclude<keyof typeof values, "compare" | "trace" | "var">, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n) || n < 0) {
    console.error(`drill:ordered: --${name} takes a number from 0 up, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const vars: Record<string, string> = { ...ORDERED_DRILL_VARS };
for (const v of values.var ?? []) {
  const at = v.indexOf("=");
  if (at < 1) {
    console.error(`drill:ordered: --var takes NAME=VALUE, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  vars[v.slice(0, at)] = v.slice(at + 1);
}
const store: StoreKind = process.env.REDIS_URL ? "redis-url" : "redis-server";
const config: OrderedDrillConfig = {
  accounts: num("accounts", 50),
  perAccount: num("per-account", 40),
  failOnce: num("fail-once", 0.1),
  seed: num("seed", randomInt(2 ** 31)),
  kills: num("kills", values.compare ? 0 : 3),
  faultRate: num("fault-rate", 0.05),
  faultsUntil: num("faults-until", 0.9),
  cronEvery: num("cron-every", 1),
  manualLanes: num("manual-lanes", 2),
  manualEveryMs: num("manual-every", 200),
  producers: num("producers", 4),
  batch: num("batch", 50),
  drainTimeoutS: num("drain-timeout", 300),
  store,
  redisUrl: process.env.REDIS_URL,
  vars,
  trace: values.trace ?? false,
};
const log = (line: string) => console.error(line);
log(`drill:ordered: seed ${config.seed}: ${config.accounts} accounts × ${config.perAccount} events, fail-once ${config.failOnce}, ${config.kills} kills, fault rate ${config.faultRate}, ${config.manualLanes} manual lanes`);
try {
  const mix = { status503Rate: num("status-rate", 0.05), dropRate: num("drop-rate", 0.02) };
  const result = values.compare ? await compareOrderedDrill(config, mix, log) : await runOrderedDrill(config, log);
  console.log(JSON.stringify(result, null, 2));
  process.exit(result.ok ? 0 : 1);
} catch (error) {
  console.error(`drill:ordered: could not complete: ${(error as Error).stack ?? String(error)}`);
  process.exit(2);
}
