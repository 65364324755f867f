/**
 * Scenario 6: what a run costs in CPU, inside workerd (where Workers bill
 * it: 10 ms per invocation on the Free plan) and in Node for comparison.
 *
 * Runs use a no-op handler, and are paired so that differences isolate the
 * costs (a request costs a hundred messages, so per-message figures compare
 * runs making the same number of requests):
 * - per request: (50 batches of 1 − idle run) / its 49 extra requests;
 * - per message at batch B: (5 batches of B − 5 batches of 1) / the extra
 *   messages, both runs making 6 requests.
 * Plus the idle run and the default run as they are. Runs set `maxCpuMs`
 * 30,000 (ignored by code without it) so the CPU budget does not cut them.
 *
 * workerd: the bench Worker (tools/bench/cpu) under `wrangler dev`, measured
 * three ways (see the table's notes): the inspector's CPU profile, replays
 * without the network, and the isolate thread's CPU. Node:
 * `process.cpuUsage()` in a child process. Medians of `REPEATS` runs after a
 * warm-up.
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
const REPEATS = 5;
const REPLAYS = 200;
const UNBOUNDED = { maxCpuMs: 30_000 };

interface Config {
  key: string;
  label: string;
  options: Record<string, unknown>;
  backlog: number;
  /** Also measured replayed without the network. */
  replay?: boolean;
}

const B100 = { batchSize: 100, handlerTimeoutMs: 2_000 };
const CONFIGS: Config[] = [
  { key: "idle", label: "idle run (defaults)", options: {}, backlog: 0, replay: true },
  { key: "default", label: "default run (batch 10, Free budget)", options: {}, backlog: 600 },
  { key: "b1", label: "batch 1 × 49", options: { ...UNBOUNDED, batchSize: 1 }, backlog: 100 },
  { key: "b1x5", label: "batch 1 × 5", options: { ...UNBOUNDED, batchSize: 1, maxMessages: 5 }, backlog: 10, replay: true },
  { key: "b10x5", label: "batch 10 × 5", options: { ...UNBOUNDED, maxMessages: 50 }, backlog: 60, replay: true },
  { key: "b100x5", label: "batch 100 × 5", options: { ...UNBOUNDED, ...B100, maxMessages: 500 }, backlog: 600, replay: true },
  // The most one Free-plan tick takes: the default CPU budget, bigger batches.
  { key: "free100", label: "batch 100, Free budget", options: { ...B100 }, backlog: 1_000 },
  { key: "free500", label: "batch 500, Free budget", options: { batchSize: 500, handlerTimeoutMs: 500 }, backlog: 1_000 },
];

interface Sample {
  report: RunReport;
  us: number;
}

interface Figures {
  stop: string;
  profileUs: number;
  threadsUs: number;
  replayUs: number;
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
  const profiled = new Map<string, Sample[]>();
  const replayed = new Map<string, number[]>();
  const top = new Map<string, { fns: Map<string, number>; jsUs: number; gcUs: number }>();
  try {
    for (let i = 0; i < 2; i++) check((await worker.timedRun(await prepare(CONFIGS[1]!))).report);
    for (const c of CONFIGS) {
      log(`    ${c.label}`);
      const t: Sample[] = [];
      const p: Sample[] = [];
      const profile = { fns: new Map<string, number>(), jsUs: 0, gcUs: 0 };
      for (let i = 0; i < REPEATS; i++) {
        const plain = await worker.timedRun(await prepare(c));
        check(plain.report);
        t.push({ report: plain.report, us: plain.busiestUs });
        const run = await worker.profileRun(await prepare(c));
        check(run.report);
        p.push({ report: run.report, us: run.cpu.js + run.cpu.gc + run.cpu.program });
        profile.jsUs += run.cpu.js / REPEATS;
        profile.gcUs += run.cpu.gc / REPEATS;
        for (const [k, v] of run.cpu.byFunction) profile.fns.set(k, (profile.fns.get(k) ?? 0) + v / REPEATS);
      }
      timed.set(c.key, t);
      profiled.set(c.key, p);
      top.set(c.key, profile);
      if (!c.replay) continue;
      const r: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const q = await prepare(c);
        const base = await worker.timedReplay(q, 0);
        const many = await worker.timedReplay(await prepare(c), REPLAYS);
        check(many.report);
        r.push((many.busiestUs - base.busiestUs) / REPLAYS);
      }
      replayed.set(c.key, r);
    }
  } finally {
    await worker.stop();
  }

  log("  Node (child process) …");
  const queries: Record<string, string>[] = [];
  for (let i = 0; i < 2; i++) queries.push(await prepare(CONFIGS[1]!));
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
    const p = profiled.get(c.key)!;
    const node = nodeRuns.slice(ci * REPEATS, (ci + 1) * REPEATS);
    figures.set(c.key, {
      stop: p[0]!.report.stopReason,
      profileUs: median(p.map((s) => s.us)),
      threadsUs: median(timed.get(c.key)!.map((s) => s.us)),
      replayUs: replayed.has(c.key) ? median(replayed.get(c.key)!) : NaN,
      nodeUs: median(node.map((r) => r.cpuUs)),
      requests: median(p.map((s) => s.report.requests)),
      messages: median(p.map((s) => s.report.read + s.report.reclaimed)),
    });
  });
  const f = (k: string) => figures.get(k)!;
  type Measure = "profileUs" | "threadsUs" | "replayUs" | "nodeUs";
  const perRequest = (m: Measure) =>
    m === "replayUs" ? (f("b1x5")[m] - f("idle")[m]) / (f("b1x5").requests - f("idle").requests) : (f("b1")[m] - f("idle")[m]) / (f("b1").requests - f("idle").requests);
  const perMessage = (m: Measure, k: string) => (f(k)[m] - f("b1x5")[m]) / (f(k).messages - f("b1x5").messages);
  const measures: [Measure, string][] = [
    ["profileUs", "workerd, profiler (JS + GC + program)"],
    ["replayUs", "workerd, replayed without the network"],
    ["threadsUs", "workerd, isolate thread (with local HTTP)"],
    ["nodeUs", "Node, process.cpuUsage"],
  ];
  const derived = Object.fromEntries(measures.map(([m]) => [m, { perRequest: perRequest(m), perMessage10: perMessage(m, "b10x5"), perMessage100: perMessage(m, "b100x5") }]));
  const topRows = (k: string) =>
    `JS ${msOf(top.get(k)!.jsUs)} ms, GC ${msOf(top.get(k)!.gcUs)} ms; ` +
    [...top.get(k)!.fns].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, us]) => `${name}: ${usOf(us)} µs`).join("; ");

  return {
    scenario: "6. CPU per run, per request and per message",
    tables: [
      {
        title: `CPU of one run (median of ${REPEATS}; no-op handler; payments-style 2-field messages; bridge at 0 ms)`,
        columns: ["Run", "Requests", "Messages", "Stop", "workerd profiler ms", "workerd replayed ms", "workerd thread ms", "Node ms"],
        rows: CONFIGS.map((c) => {
          const x = f(c.key);
          return [c.label, int(x.requests), int(x.messages), x.stop, msOf(x.profileUs), Number.isNaN(x.replayUs) ? "–" : msOf(x.replayUs), msOf(x.threadsUs), msOf(x.nodeUs)];
        }),
        notes: [
          "workerd profiler: the inspector's CPU profile of the run's request (samples every 50 µs): JS + GC + (program), without (idle), the wait on Redis. The isolate's own CPU, what Workers bill; its samples are wall-clock, so a preempted thread inflates them.",
          `workerd replayed: the run's HTTP exchanges recorded, then the run replayed ${REPLAYS} times in one request with every fetch answered from the recording (tools/bench/cpu/replay.ts); the isolate thread's CPU (/proc schedstat) per replay, less a request replaying nothing. The engine's and the client's CPU without the network; immune to preemption.`,
          "workerd thread: CPU of workerd's busiest thread during an unprofiled run (/proc/<pid>/task/<tid>/schedstat). An upper bound: it includes serving the run's own HTTP request through wrangler's proxy and workerd's local HTTP client for every subrequest, work Workers does outside the isolate.",
          "Node: process.cpuUsage() (user + system, all threads) around runFunction in a child process; the bridge runs in the parent.",
        ],
      },
      {
        title: "Derived costs (µs)",
        columns: ["Measure", "per request", "per message at batch 10", "per message at batch 100"],
        rows: measures.map(([m, label]) => [label, usOf(derived[m]!.perRequest), usOf(derived[m]!.perMessage10), usOf(derived[m]!.perMessage100)]),
        notes: [
          "per request = (batch 1 × 49 − idle run) / 49 (replayed: (batch 1 × 5 − idle) / 5); per message at batch B = (batch B × 5 − batch 1 × 5) / the extra messages, both runs making 6 requests.",
          `Where the time goes, batch 10 (inspector CPU profile, mean of ${REPEATS} runs): ${topRows("b10x5")}`,
          `Where the time goes, batch 100 (the same): ${topRows("b100x5")}`,
        ],
      },
    ],
    data: { figures: Object.fromEntries(figures), derived },
  };
}
