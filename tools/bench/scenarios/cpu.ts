/**
 * Scenario 6: what a run costs in CPU, inside workerd (where Workers bill
 * it: 10 ms per invocation on the Free plan) and in Node for comparison.
 *
 * Every measured run is a whole Free-plan run of 50 subrequests at batch 1,
 * 10 or 100 with a no-op handler, so the differences isolate the costs:
 * - per request: (batch-1 run − idle run) / its 49 extra requests;
 * - per message at batch B: (batch-B run − batch-1 run) / the extra messages,
 *   both runs making the same 50 requests.
 * Plus the idle run and the default run as they are. Runs set `maxCpuMs`
 * 30,000 (ignored by code without it) so the CPU budget does not cut them.
 *
 * workerd: the bench Worker (tools/bench/cpu) under `wrangler dev`. The
 * figure is the CPU time of workerd's busiest thread (the isolate's) during
 * an unprofiled run, read from /proc schedstat: unlike the profiler's
 * wall-clock samples it does not count time the thread was preempted, which
 * on a shared machine swamps everything. It includes workerd's own local HTTP
 * client for each subrequest. The inspector's CPU profile of the batch-10 and
 * batch-100 runs says where the time goes. Node: `process.cpuUsage()` in a
 * child process. Medians of `REPEATS` runs after a warm-up.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { openGate } from "../contenders/cronsumer.js";
import type { Context } from "../context.js";
import type { Section } from "../report.js";
import { int } from "../report.js";
import type { RunReport } from "../../../src/core/report.js";
import { startCpuWorker } from "../cpu/workerd.js";
import { backlog, freshStream } from "../workload.js";

const GROUP = "cpu";
const REPEATS = 7;
const PROFILED = 3;
const UNBOUNDED = { maxCpuMs: 30_000 };

interface Config {
  key: string;
  label: string;
  options: Record<string, unknown>;
  backlog: number;
}

const CONFIGS: Config[] = [
  { key: "idle", label: "idle run (defaults)", options: {}, backlog: 0 },
  { key: "default", label: "default run (batch 10, Free budget)", options: {}, backlog: 600 },
  { key: "b1", label: "batch 1, 50 requests", options: { ...UNBOUNDED, batchSize: 1 }, backlog: 100 },
  { key: "b10", label: "batch 10, 50 requests", options: { ...UNBOUNDED }, backlog: 600 },
  { key: "b100", label: "batch 100, 50 requests", options: { ...UNBOUNDED, batchSize: 100, handlerTimeoutMs: 2_000, maxMessages: 5_000 }, backlog: 5_000 },
];

interface Sample {
  report: RunReport;
  us: number;
}

interface Figures {
  threadsUs: number;
  nodeUs: number;
  requests: number;
  messages: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const msOf = (us: number): string => (us >= 10_000 ? (us / 1000).toFixed(0) : (us / 1000).toFixed(1));
const usOf = (us: number): string => (us >= 100 ? int(us) : us.toFixed(1));

export async function cpuScenario(ctx: Context): Promise<Section> {
  const { stack, log } = ctx;
  const bridge = await stack.bridge(0);
  const prepare = async (c: Config): Promise<Record<string, string>> => {
    const stream = freshStream(stack, `cpu-${c.key}`);
    await backlog(stack.tcp, stream, c.backlog, GROUP);
    await openGate(stack, stream, GROUP);
    return { stream, group: GROUP, options: JSON.stringify(c.options) };
  };
  const check = (r: RunReport) => {
    if (r.stopReason === "error") throw new Error(`cpu bench run failed: ${r.error}`);
  };

  log("  workerd (wrangler dev) …");
  const worker = await startCpuWorker(bridge, log);
  const timed = new Map<string, Sample[]>();
  const top = new Map<string, { fns: Map<string, number>; jsUs: number; gcUs: number }>();
  try {
    for (let i = 0; i < 2; i++) check((await worker.timedRun(await prepare(CONFIGS[3]!))).report);
    for (const c of CONFIGS) {
      log(`    ${c.label}`);
      const t: Sample[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const plain = await worker.timedRun(await prepare(c));
        check(plain.report);
        t.push({ report: plain.report, us: plain.busiestUs });
      }
      timed.set(c.key, t);
      if (c.key !== "b10" && c.key !== "b100") continue;
      const profile = { fns: new Map<string, number>(), jsUs: 0, gcUs: 0 };
      for (let i = 0; i < PROFILED; i++) {
        const run = await worker.profileRun(await prepare(c));
        check(run.report);
        profile.jsUs += run.cpu.js / PROFILED;
        profile.gcUs += run.cpu.gc / PROFILED;
        for (const [k, v] of run.cpu.byFunction) profile.fns.set(k, (profile.fns.get(k) ?? 0) + v / PROFILED);
      }
      top.set(c.key, profile);
    }
  } finally {
    await worker.stop();
  }

  log("  Node (child process) …");
  const queries: Record<string, string>[] = [];
  for (let i = 0; i < 2; i++) queries.push(await prepare(CONFIGS[3]!));
  for (const c of CONFIGS) for (let i = 0; i < REPEATS; i++) queries.push(await prepare(c));
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, "../cpu/node-run.ts"), JSON.stringify(queries)], {
    env: { ...process.env, CPU_BENCH_URL: bridge.url, CPU_BENCH_TOKEN: bridge.token },
    maxBuffer: 64 * 1024 * 1024,
  });
  const nodeRuns = stdout.trim().split("\n").map((l) => JSON.parse(l) as { report: RunReport; cpuUs: number }).slice(2);
  nodeRuns.forEach((r) => check(r.report));
  await stack.sweep();

  const figures = new Map<string, Figures>();
  CONFIGS.forEach((c, ci) => {
    const p = timed.get(c.key)!;
    const node = nodeRuns.slice(ci * REPEATS, (ci + 1) * REPEATS);
    figures.set(c.key, {
      threadsUs: median(p.map((s) => s.us)),
      nodeUs: median(node.map((r) => r.cpuUs)),
      requests: median(p.map((s) => s.report.requests)),
      messages: median(p.map((s) => s.report.read + s.report.reclaimed)),
    });
  });
  const f = (k: string) => figures.get(k)!;
  type Measure = "threadsUs" | "nodeUs";
  const perRequest = (m: Measure) => (f("b1")[m] - f("idle")[m]) / (f("b1").requests - f("idle").requests);
  const perMessage = (m: Measure, k: string) => (f(k)[m] - f("b1")[m]) / (f(k).messages - f("b1").messages);
  const measures: [Measure, string][] = [
    ["threadsUs", "workerd (isolate thread)"],
    ["nodeUs", "Node, process.cpuUsage"],
  ];
  const derived = Object.fromEntries(measures.map(([m]) => [m, { perRequest: perRequest(m), perMessage10: perMessage(m, "b10"), perMessage100: perMessage(m, "b100") }]));
  const topRows = (k: string) =>
    `JS ${msOf(top.get(k)!.jsUs)} ms, GC ${msOf(top.get(k)!.gcUs)} ms; ` +
    [...top.get(k)!.fns].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, us]) => `${name}: ${usOf(us)} µs`).join("; ");

  return {
    scenario: "6. CPU per run, per request and per message",
    tables: [
      {
        title: `CPU of one run (median of ${REPEATS}; no-op handler; payments-style 2-field messages; bridge at 0 ms)`,
        columns: ["Run", "Requests", "Messages", "workerd ms", "Node ms"],
        rows: CONFIGS.map((c) => {
          const x = f(c.key);
          return [c.label, int(x.requests), int(x.messages), msOf(x.threadsUs), msOf(x.nodeUs)];
        }),
        notes: [
          "workerd: CPU of workerd's busiest thread (the isolate's) during an unprofiled run of the bench Worker under wrangler dev (/proc/<pid>/task/<tid>/schedstat). It includes serving the run's own HTTP request and workerd's local HTTP client for every subrequest.",
          "Node: process.cpuUsage() (user + system, all threads) around runFunction in a child process; the bridge runs in the parent.",
        ],
      },
      {
        title: "Derived costs (µs)",
        columns: ["Measure", "per request", "per message at batch 10", "per message at batch 100"],
        rows: measures.map(([m, label]) => [label, usOf(derived[m]!.perRequest), usOf(derived[m]!.perMessage10), usOf(derived[m]!.perMessage100)]),
        notes: [
          "per request = (batch-1 run − idle run) / extra requests; per message = (batch-B run − batch-1 run) / extra messages, both runs making 50 requests.",
          `Where the time goes, batch 10 (inspector CPU profile, mean of ${PROFILED} runs, wall-clock samples every 50 µs, inflated by preemption): ${topRows("b10")}`,
          `Where the time goes, batch 100 (the same): ${topRows("b100")}`,
        ],
      },
    ],
    data: { figures: Object.fromEntries(figures), derived },
  };
}
