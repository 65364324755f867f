/**
 * `npm run fuzz -- [--seed N] [--runs M] [--path P --replay R] [--store redis|engine]
 * [--features a,b] [--findings 3,8] [--budget-ms T] [--merged | --single]`: the
 * property-based fault tests (test/node/property) for longer than `npm test`
 * runs them, or one shrunk case replayed with the seed and path a failure
 * printed. Both modes by default: single runs (run-faults.test.ts) and
 * merged invocations (merged-faults.test.ts); `--merged` or `--single` runs
 * one, and a replay needs the mode that printed it. It runs
 * vitest with the settings as PBT_* variables, so the suite's global setup
 * still provides the Redis and the bridge.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    runs: { type: "string", default: "200" },
    path: { type: "string" },
    replay: { type: "string" },
    store: { type: "string" },
    features: { type: "string" },
    findings: { type: "string" },
    "budget-ms": { type: "string", default: "600000" },
    merged: { type: "boolean", default: false },
    single: { type: "boolean", default: false },
  },
});

const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
if (!/^-?\d+$/.test(seed)) throw new TypeError(`--seed must be an integer; got ${seed}`);
if (!/^\d+$/.test(values.runs!)) throw new TypeError(`--runs must be a positive integer; got ${values.runs}`);
if (values.merged && values.single) throw new TypeError("--merged and --single each run one mode; give one of them, or neither for both");
if (values.store !== undefined && !["redis", "engine"].includes(values.store)) throw new TypeError(`--store must be "redis" or "engine"; got ${values.store}`);

const env: NodeJS.ProcessEnv = { ...process.env, PBT_SEED: seed, PBT_RUNS: values.runs, PBT_BUDGET_MS: values["budget-ms"] };
if (values.path !== undefined) env.PBT_PATH = values.path;
if (values.replay !== undefined) env.PBT_REPLAY = values.replay;
if (values.features !== undefined) env.PBT_FEATURES = values.features;
if (values.findings !== undefined) env.PBT_FINDINGS = values.findings;

const mode = values.merged ? "merged" : values.single ? "single" : "both";
console.log(`fuzz: seed ${seed}, ${values.path ? `replaying path ${values.path}` : `${values.runs} runs`}${values.store ? ` on ${values.store}` : " on both stores"}, ${mode === "both" ? "single runs and merged invocations" : mode === "merged" ? "merged invocations" : "single runs"}`);
const files = mode === "merged" ? ["test/node/property/merged-faults.test.ts"] : mode === "single" ? ["test/node/property/run-faults.test.ts"] : ["test/node/property"];
// The describe blocks name their store: "through the bridge" (Redis) and "embedded engine".
const filter = values.store === undefined ? [] : ["-t", values.store === "redis" ? "through the bridge" : "embedded engine"];
const result = spawnSync("npx", ["vitest", "run", ...files, "--project", "node", ...filter], { stdio: "inherit", env });
process.exit(result.status ?? 1);
