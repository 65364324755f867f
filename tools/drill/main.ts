/**
 * `npm run drill`: a seeded fault-injection run of the real stack (Worker
 * under `wrangler dev`, the bridge, a real Redis), then a Jepsen-style
 * accounting of every message. Exit 0 when every invariant holds, 1 when one
 * fails, 2 when the drill itself could not run.
 *
 *   npm run drill -- [--messages 10000] [--seed N] [--kills 5] [--fault-rate 0.05] …   (--help)
 */
import { randomInt } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_DIR } from "../../src/dev/stack/stack.js";
import type { StoreKind } from "../../src/dev/stack/store.js";
import type { DrillConfig } from "./config.js";
import { DEFAULTS, DRILL_VARS, effectiveOptions } from "./config.js";
import { DrillError, runDrill } from "./drill.js";
import { formatReport, writeJson } from "./report.js";

const HELP = `usage: npm run drill -- [options]

workload
  --messages N         payments messages to enqueue (${DEFAULTS.messages})
  --seed N             seeds the workload, the kill points and the bridge's faults (random, printed)
  --fail-once R        share with simulate: fail-once (${DEFAULTS.mix.failOnce})
  --always-fail R      share with simulate: always-fail (${DEFAULTS.mix.alwaysFail})
  --invalid R          share missing orderID or with a bad amount (${DEFAULTS.mix.invalid})
  --batch N            messages per enqueue POST, one Idempotency-Key each (${DEFAULTS.batch})
  --producers N        enqueue POSTs in flight (${DEFAULTS.producers})
  --delayed R          share of batches enqueued with notBefore 1 to 30 s ahead; sets FN_PAYMENTS_DELAYS=true (${DEFAULTS.delayed})
faults
  --kills N            Worker crashes: SIGKILL to its process group, then a restart (${DEFAULTS.kills})
  --fault-rate R       bridge requests failed: 503, drop before, drop after Redis ran them (${DEFAULTS.faultRate})
  --faults-until R     faults stop once this share has settled (${DEFAULTS.faultsUntil})
runs
  --cron-every S       fire the cron every S seconds (${DEFAULTS.cronEvery})
  --manual-lanes N     lanes of back-to-back POST /functions/payments/run (${DEFAULTS.manualLanes})
  --manual-every MS    pause between one lane's runs (${DEFAULTS.manualEveryMs})
  --overlap N          overlap mode: fire N runs a second (cron tick and manual run in turn) without
                       waiting for any; at the end stop, wait until every run finished, then drain (off)
  --overlap-in-flight N  overlap mode: skip a manual fire while N are unanswered (${DEFAULTS.overlapInFlight})
  --quiet S            overlap mode: runs count as finished after S seconds without a change (${DEFAULTS.quietS})
  --var NAME=VALUE     a Worker var (FN_PAYMENTS_*, PAYMENTS_LATENCY_MS), repeatable
  --max-deliveries N   shorthand for --var FN_PAYMENTS_MAX_DELIVERIES=N
bounds and output
  --fault-timeout S    longest fault phase (${DEFAULTS.faultTimeoutS})
  --drain-timeout S    longest drain; not drained by then fails (${DEFAULTS.drainTimeoutS})
  --store KIND         redis-server (default; REDIS_URL makes it redis-url) or embedded
  --out DIR            where drill-<ts>.json and the Worker's log go (bench-results)
  --json PATH          the JSON's path instead`;

function fail(message: string, code = 2): never {
  console.error(`drill: ${message}`);
  process.exit(code);
}

let parsed;
try {
  const string = { type: "string" } as const;
  parsed = parseArgs({
    options: {
      messages: string, seed: string, "fail-once": string, "always-fail": string, invalid: string, batch: string, producers: string, delayed: string,
      overlap: string, "overlap-in-flight": string, quiet: string, kills: string, "fault-rate": string, "faults-until": string, "cron-every": string, "manual-lanes": string, "manual-every": string,
      var: { type: "string", multiple: true }, "max-deliveries": string, "fault-timeout": string, "drain-timeout": string,
      store: string, out: string, json: string, help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
} catch (error) {
  fail(`${(error as Error).message}\n${HELP}`);
}
const given = parsed.values;
if (given.help) {
  console.log(HELP);
  process.exit(0);
}

function num(name: keyof typeof given, fallback: number, valid: (n: number) => boolean, what: string): number {
  const raw = given[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !valid(n)) fail(`--${name} takes ${what}, got ${JSON.stringify(raw)}`);
  return n;
}
const count = (n: number) => Number.isInteger(n) && n >= 0;
const positive = (n: number) => Number.isInteger(n) && n > 0;
const share = (n: number) => n >= 0 && n <= 1;

const vars: Record<string, string> = { ...DRILL_VARS };
for (const v of given.var ?? []) {
  const at = v.indexOf("=");
  if (at < 1) fail(`--var takes NAME=VALUE, got ${JSON.stringify(v)}`);
  vars[v.slice(0, at)] = v.slice(at + 1);
}
if (given["max-deliveries"] !== undefined) vars.FN_PAYMENTS_MAX_DELIVERIES = String(num("max-deliveries", 5, positive, "a whole number above 0"));

if (given.delayed !== undefined && Number(given.delayed) > 0) vars.FN_PAYMENTS_DELAYS ??= "true";

const store = (given.store ?? (process.env.REDIS_URL ? "redis-url" : "redis-server")) as StoreKind;
if (!["redis-server", "redis-url", "embedded"].includes(store)) fail(`--store takes redis-server, redis-url or embedded, got ${JSON.stringify(store)}`);
const config: DrillConfig = {
  messages: num("messages", DEFAULTS.messages, positive, "a whole number above 0"),
  seed: num("seed", randomInt(2 ** 31), (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, "a whole number from 0 to 2^32−1"),
  mix: {
    failOnce: num("fail-once", DEFAULTS.mix.failOnce, share, "a share from 0 to 1"),
    alwaysFail: num("always-fail", DEFAULTS.mix.alwaysFail, share, "a share from 0 to 1"),
    invalid: num("invalid", DEFAULTS.mix.invalid, share, "a share from 0 to 1"),
  },
  batch: num("batch", DEFAULTS.batch, (n) => positive(n) && n <= 500, "a whole number from 1 to 500"),
  producers: num("producers", DEFAULTS.producers, positive, "a whole number above 0"),
  delayed: num("delayed", DEFAULTS.delayed, share, "a share from 0 to 1"),
  kills: num("kills", DEFAULTS.kills, count, "a whole number"),
  faultRate: num("fault-rate", DEFAULTS.faultRate, share, "a share from 0 to 1"),
  faultsUntil: num("faults-until", DEFAULTS.faultsUntil, share, "a share from 0 to 1"),
  cronEvery: num("cron-every", DEFAULTS.cronEvery, (n) => n > 0, "seconds above 0"),
  manualLanes: num("manual-lanes", DEFAULTS.manualLanes, count, "a whole number"),
  manualEveryMs: num("manual-every", DEFAULTS.manualEveryMs, count, "milliseconds"),
  overlap: num("overlap", DEFAULTS.overlap, (n) => n >= 0 && n <= 100, "runs a second from 0 to 100"),
  overlapInFlight: num("overlap-in-flight", DEFAULTS.overlapInFlight, positive, "a whole number above 0"),
  quietS: num("quiet", DEFAULTS.quietS, (n) => n > 0, "seconds above 0"),
  faultTimeoutS: num("fault-timeout", DEFAULTS.faultTimeoutS, (n) => n > 0, "seconds above 0"),
  drainTimeoutS: num("drain-timeout", DEFAULTS.drainTimeoutS, (n) => n > 0, "seconds above 0"),
  store,
  redisUrl: store === "redis-url" ? process.env.REDIS_URL : undefined,
  vars,
  outDir: resolve(given.out ?? join(PROJECT_DIR, "bench-results")),
};
if (store === "redis-url" && !config.redisUrl) fail("--store redis-url needs REDIS_URL");
try {
  effectiveOptions(config);
} catch (error) {
  fail((error as Error).message);
}

// Every option given, with the seed: the same workload, kill points and fault sequence (timing still varies).
const replay = Object.entries(given).flatMap(([name, value]) =>
  ["seed", "out", "json", "help"].includes(name) ? [] : (Array.isArray(value) ? value : [value]).map((v) => `--${name} ${String(v)}`),
);
const reproduce = `npm run drill -- --seed ${config.seed}${replay.length ? ` ${replay.join(" ")}` : ""}`;
const stamp = new Date().toISOString().replaceAll(":", "-").replace(/\.\d+Z$/, "Z");
const json = given.json ? resolve(given.json) : join(config.outDir, `drill-${stamp}.json`);
const workerLog = json.replace(/\.json$/, "") + ".worker.log";

const log = (line: string) => console.error(line);
log(`drill: seed ${config.seed}; reproduce with: ${reproduce}`);
log(`drill: ${config.messages} messages (fail-once ${config.mix.failOnce}, always-fail ${config.mix.alwaysFail}, invalid ${config.mix.invalid}), ${config.kills} kills, bridge fault rate ${config.faultRate}, cron every ${config.cronEvery} s, ${config.manualLanes} manual lanes${config.overlap ? `; overlap mode: ${config.overlap} runs/s, at most ${config.overlapInFlight} manual unanswered` : ""}`);
log(`drill: Worker vars ${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(" ")}`);

const abort = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    // A second signal: the exit handlers SIGKILL the Worker's group and the redis-server.
    if (abort.signal.aborted) process.exit(130);
    log(`drill: ${signal}, stopping the stack…`);
    abort.abort();
  });
}

let result;
try {
  await mkdir(dirname(workerLog), { recursive: true });
  result = await runDrill(config, { workerLog }, log, abort.signal);
} catch (error) {
  if (abort.signal.aborted) fail("interrupted; the stack is stopped", 130);
  fail(`could not complete: ${error instanceof DrillError ? error.message : ((error as Error).stack ?? String(error))}`);
}
await writeJson(json, result, config, reproduce);
console.log(formatReport(result, config, reproduce));
console.log(`\nJSON: ${json}\nWorker log: ${workerLog}`);
process.exit(result.ok && result.leftBehind.length === 0 ? 0 : 1);
