/**
 * The Node side of the CPU bench, in a child process so that the bridge (in
 * the parent) is not counted: runs each query of argv[2] (a JSON list, as
 * the bench Worker takes them) with the same code path, `runFunction` over
 * `transportFromEnv`, and prints one JSON line per run with its report and
 * `process.cpuUsage()` (user + system, all threads) around it.
 * A query with `engine: "folded"` runs the baseline (folded.ts) instead.
 * The bridge's URL and token come in the environment, never in argv.
 */
import { definePollingFunction } from "../../../src/core/define/define.js";
import { runFunction } from "../../../src/core/run/run.js";
import { databaseTransport, transportFromEnv } from "../../../src/functions/redis.js";
import { foldedOptions, foldedRun } from "./folded.js";

const queries = JSON.parse(process.argv[2] ?? "[]") as Record<string, string>[];
const env = { UPSTASH_REDIS_REST_URL: process.env.CPU_BENCH_URL, UPSTASH_REDIS_REST_TOKEN: process.env.CPU_BENCH_TOKEN };
for (const q of queries) {
  if (q.engine === "folded") {
    const options = foldedOptions((name) => q[name]);
    const before = process.cpuUsage();
    const report = await foldedRun(databaseTransport(env, 0), options);
    const used = process.cpuUsage(before);
    console.log(JSON.stringify({ report, cpuUs: used.user + used.system }));
    continue;
  }
  const fn = definePollingFunction({
    name: q.name ?? "cpu-bench",
    stream: q.stream!,
    group: q.group!,
    crons: ["* * * * *"],
    options: { startId: "0", ...(JSON.parse(q.options ?? "{}") as object) },
    handle: async () => {},
  });
  const before = process.cpuUsage();
  const report = await runFunction(fn, { transport: transportFromEnv(env), vars: env, trigger: "manual" });
  const used = process.cpuUsage(before);
  console.log(JSON.stringify({ report, cpuUs: used.user + used.system }));
}
