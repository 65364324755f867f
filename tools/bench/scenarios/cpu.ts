/**
 * Scenario 6: what a run costs in CPU, inside workerd (where Workers bill
 * it: 10 ms per invocation on the Free plan) and in Node for comparison,
 * for today's engine and, side by side, the engine before the CPU work
 * (commit BEFORE_COMMIT, built into its own copy of the bench Worker:
 * tools/bench/cpu/before.ts), and against a minimal folded loop through the
 * same client (tools/bench/cpu/folded.ts): their ratio per message at batch
 * 100 is the engine's own cost, the client's cancelled out (cpu/ratio.ts).
 *
 * Runs use a no-op handler, and are paired so that differences isolate the
 * costs (a request costs a hundred messages, so per-message figures compare
 * runs making the same number of requests):
 * - per request: (50 batches of 1 − idle run) / its 49 extra requests;
 * - per message at batch B: (10 batches of B − 10 batches of 1) / the extra
 *   messages, both runs making 11 requests.
 * Plus the idle run and the default run as they are. Runs set `maxCpuMs`
 * 30,000 (ignored by code without it) so the CPU budget does not cut them.
 *
 * workerd: the bench Worker (tools/bench/cpu) under `wrangler dev`, measured
 * by the inspector's CPU profile, primarily, on live runs and on replays
 * without the network, and by the isolate thread's CPU on live runs (see
 * the table's notes; the thread's CPU of a replay read from schedstat came
 * out near zero or negative, so it is not used). The machine is shared, so the two engines are measured in
 * turns, sample by sample (today, before, today, …: load that comes and
 * goes hits both alike), and every figure is a median. Node:
 * `process.cpuUsage()` in a child process. Medians of `REPEATS` after a
 * warm-up.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { openGate } from "../contenders/cronsumer.js";
import type { Context } from "../context.js";
import type { Section, Table } from "../report.js";
import { int } from "../report.js";
import type { RunReport } from "../../../src/core/features/report.js";
import { BEFORE_COMMIT } from "../cpu/before.js";
import type { CpuWorker, ProfiledRun } from "../cpu/workerd.js";
import { startCpuWorker } from "../cpu/workerd.js";
import type { Pair, PerMessage, Side } from "../cpu/ratio.js";
import { addPair, foldedRatioTable, pairedPerMessage, ratioFigures } from "../cpu/ratio.js";
import { backlog, freshStream } from "../workload.js";

const GROUP = "cpu";
const REPEATS = 11;
/** Pairs of the ratio against the folded loop: cheap, and with 11 the ratio's median moved from 1.28× to 1.44× between two runs of the bench. */
const RATIO_PAIRS = 31;
const REPLAYS = 100;
const UNBOUNDED = { maxCpuMs: 30_000 };

type Engine = "today" | "before";
const ENGINES: Engine[] = ["today", "before"];

interface Config {
  key: string;
  label: string;
  options: Record<string, unknown>;
  backlog: number;
  /** Also measured replayed without the network. */
  replay?: boolean;
  /** Also measured on the engine before the CPU work. */
  before?: boolean;
}

const B100 = { batchSize: 100, handlerTimeoutMs: 2_000 };
const CONFIGS: Config[] = [
  { key: "idle", label: "idle run (defaults)", options: {}, backlog: 0, replay: true, before: true },
  { key: "default", label: "default run (batch 10, Free budget)", options: {}, backlog: 600, before: true },
  { key: "b1", label: "batch 1 × 49", options: { ...UNBOUNDED, batchSize: 1 }, backlog: 100, before: true },
  { key: "b1x10", label: "batch 1 × 10", options: { ...UNBOUNDED, batchSize: 1, maxMessages: 10 }, backlog: 20, replay: true, before: true },
  { key: "b10x10", label: "batch 10 × 10", options: { ...UNBOUNDED, maxMessages: 100 }, backlog: 110, replay: true, before: true },
  { key: "b100x10", label: "batch 100 × 10", options: { ...UNBOUNDED, ...B100, maxMessages: 1_000 }, backlog: 1_100, replay: true, before: true },
  // The most one Free-plan tick takes: the default CPU budget, bigger batches.
  { key: "free100", label: "batch 100, Free budget", options: { ...B100 }, backlog: 1_000 },
  { key: "free500", label: "batch 500, Free budget", options: { batchSize: 500, handlerTimeoutMs: 500 }, backlog: 1_000 },
];

interface Samples {
  reports: RunReport[];
  profile: number[];
  thread: number[];
  replayProfile: number[];
  /** Self time per function (mean over the profiled runs), and JS and GC totals. */
  fns: Map<string, number>;
  jsUs: number;
  gcUs: number;
}

type Measure = "profile" | "replayProfile" | "thread" | "node";

interface Figures extends Record<Measure, number> {
  stop: string;
  requests: number;
  messages: number;
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const cpuOf = (r: ProfiledRun): number => r.cpu.js + r.cpu.gc + r.cpu.program;
const msOf = (us: number): string => (Number.isNaN(us) ? "–" : us >= 10_000 ? (us / 1000).toFixed(0) : (us / 1000).toFixed(1));
const usOf = (us: number): string => (Number.isNaN(us) ? "–" : us >= 100 ? int(us) : us.toFixed(1));

/** The engines a configuration is measured on, in the order of a turn. */
const enginesOf = (c: Config): Engine[] => (c.before ? ["today", "before"] : ["today"]);
/** The runs of the ratio against the folded loop (cpu/ratio.ts). */
const PAIRED: Record<Pair, Config> = { b1x10: CONFIGS.find((c) => c.key === "b1x10")!, b100x10: CONFIGS.find((c) => c.key === "b100x10")! };

export async function cpuScenario(ctx: Context): Promise<Section> {
  const { stack, log } = ctx;
  const bridge = await stack.bridge(0);
  const prepare = async (c: Config, engine: Engine | Side = "today"): Promise<Record<string, string>> => {
    const stream = freshStream(stack, `cpu-${c.key}`);
    await backlog(stack.tcp, stream, c.backlog, GROUP);
    await openGate(stack, stream, GROUP);
    return { stream, group: GROUP, options: JSON.stringify(c.options), ...(engine === "folded" ? { engine } : {}) };
  };
  const check = (r: RunReport) => {
    if (r.stopReason === "error") throw new Error(`cpu bench run failed: ${r.error}`);
  };

  log(`  workerd (wrangler dev), today's engine, ${BEFORE_COMMIT}'s and the folded loop …`);
  const workers = {} as Record<Engine, CpuWorker>;
  const samples: Record<Engine, Map<string, Samples>> = { today: new Map(), before: new Map() };
  /** Thread CPU of a bare request, taken off every live run's thread figure. */
  const bareUs: Record<Engine, number> = { today: 0, before: 0 };
  let pairs: PerMessage<Measure> = { today: {}, folded: {} };
  try {
    workers.today = await startCpuWorker(bridge, log);
    workers.before = await startCpuWorker(bridge, log, "before");
    for (const w of Object.values(workers)) for (let i = 0; i < 2; i++) check((await w.timedRun(await prepare(CONFIGS[1]!))).report);
    for (const e of ["today", "before"] as Engine[]) {
      const bare: number[] = [];
      for (let i = 0; i < 20; i++) bare.push(await workers[e].timedHealth());
      bareUs[e] = median(bare);
    }
    for (const c of CONFIGS) {
      log(`    ${c.label}`);
      const engines = enginesOf(c);
      for (const e of engines) samples[e].set(c.key, { reports: [], profile: [], thread: [], replayProfile: [], fns: new Map(), jsUs: 0, gcUs: 0 });
      for (let i = 0; i < REPEATS; i++) {
        // In turns, starting with each engine alike.
        for (const e of i % 2 ? [...engines].reverse() : engines) {
          const w = workers[e];
          const x = samples[e].get(c.key)!;
          const plain = await w.timedRun(await prepare(c, e));
          check(plain.report);
          x.thread.push(Math.max(0, plain.busiestUs - bareUs[e]));
          const run = await w.profileRun(await prepare(c, e));
          check(run.report);
          x.reports.push(run.report);
          x.profile.push(cpuOf(run));
          x.jsUs += run.cpu.js / REPEATS;
          x.gcUs += run.cpu.gc / REPEATS;
          for (const [k, v] of run.cpu.byFunction) x.fns.set(k, (x.fns.get(k) ?? 0) + v / REPEATS);
          if (!c.replay) continue;
          const pBase = await w.profileReplay(await prepare(c, e), 0);
          const pMany = await w.profileReplay(await prepare(c, e), REPLAYS);
          check(pMany.report);
          x.replayProfile.push((cpuOf(pMany) - cpuOf(pBase)) / REPLAYS);
        }
      }
    }
    // The folded loop runs in today's bench Worker (`engine=folded`).
    log("    batch 1 × 10 then batch 100 × 10, in pairs, against the folded loop");
    pairs = await pairedPerMessage<Measure>(async (side, pair) => {
      const c = PAIRED[pair];
      const plain = await workers.today.timedRun(await prepare(c, side));
      const live = await workers.today.profileRun(await prepare(c, side));
      const replayed = await workers.today.profileReplay(await prepare(c, side), REPLAYS);
      [plain, live, replayed].forEach((r) => check(r.report));
      return { messages: live.report.read + live.report.reclaimed, thread: plain.busiestUs, profile: cpuOf(live), replayProfile: cpuOf(replayed) / REPLAYS };
    }, RATIO_PAIRS);
  } finally {
    await workers.today?.stop();
    await workers.before?.stop();
  }

  log("  Node (child process) …");
  const queries: Record<string, string>[] = [];
  for (let i = 0; i < 2; i++) queries.push(await prepare(CONFIGS[1]!));
  for (const c of CONFIGS) for (let i = 0; i < REPEATS; i++) queries.push(await prepare(c));
  // Then the ratio's pairs, in turns as in workerd.
  const paired: Side[] = [];
  for (let i = 0; i < RATIO_PAIRS; i++) {
    for (const side of (i % 2 ? ["folded", "today"] : ["today", "folded"]) as Side[]) {
      paired.push(side);
      queries.push(await prepare(PAIRED.b1x10, side), await prepare(PAIRED.b100x10, side));
    }
  }
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, "../cpu/node-run.ts"), JSON.stringify(queries)], {
    env: { ...process.env, CPU_BENCH_URL: bridge.url, CPU_BENCH_TOKEN: bridge.token },
    maxBuffer: 64 * 1024 * 1024,
  });
  const nodeRuns = stdout.trim().split("\n").map((l) => JSON.parse(l) as { report: RunReport; cpuUs: number }).slice(2);
  nodeRuns.forEach((r) => check(r.report));
  const pairRuns = nodeRuns.splice(CONFIGS.length * REPEATS);
  const sampled = (r: { report: RunReport; cpuUs: number }) => ({ messages: r.report.read + r.report.reclaimed, node: r.cpuUs });
  paired.forEach((side, i) => addPair(pairs, side, sampled(pairRuns[2 * i]!), sampled(pairRuns[2 * i + 1]!)));
  await stack.sweep();

  const figures: Record<Engine, Map<string, Figures>> = { today: new Map(), before: new Map() };
  for (const e of ENGINES) {
    CONFIGS.forEach((c, ci) => {
      const x = samples[e].get(c.key);
      if (!x) return;
      const node = e === "today" ? nodeRuns.slice(ci * REPEATS, (ci + 1) * REPEATS).map((r) => r.cpuUs) : [];
      figures[e].set(c.key, {
        stop: x.reports[0]!.stopReason,
        profile: median(x.profile),
        thread: median(x.thread),
        replayProfile: median(x.replayProfile),
        node: median(node),
        requests: median(x.reports.map((r) => r.requests)),
        messages: median(x.reports.map((r) => r.read + r.reclaimed)),
      });
    });
  }
  const derive = (e: Engine, m: Measure) => {
    const f = (k: string) => figures[e].get(k)!;
    const replayed = m === "replayProfile";
    const one = replayed ? f("b1x10") : f("b1");
    const perMessage = (k: string) => (f(k)[m] - f("b1x10")[m]) / (f(k).messages - f("b1x10").messages);
    return { perRequest: (one[m] - f("idle")[m]) / (one.requests - f("idle").requests), perMessage10: perMessage("b10x10"), perMessage100: perMessage("b100x10") };
  };
  const measures: [Measure, string][] = [
    ["profile", "workerd, profiler (JS + GC + program)"],
    ["replayProfile", "workerd, profiler, replayed without the network"],
    ["thread", "workerd, isolate thread (with local HTTP)"],
    ["node", "Node, process.cpuUsage"],
  ];
  const derived = Object.fromEntries((["today", "before"] as Engine[]).map((e) => [e, Object.fromEntries(measures.map(([m]) => [m, derive(e, m)]))]));
  const topRows = (k: string) => {
    const x = samples.today.get(k)!;
    return `JS ${msOf(x.jsUs)} ms, GC ${msOf(x.gcUs)} ms; ` + [...x.fns].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, us]) => `${name}: ${usOf(us)} µs`).join("; ");
  };
  const runTable = (e: Engine, title: string): Table => ({
    title,
    columns: ["Run", "Requests", "Messages", "Stop", "profiler ms", "profiler, replayed ms", "thread ms", ...(e === "today" ? ["Node ms"] : [])],
    rows: CONFIGS.filter((c) => figures[e].has(c.key)).map((c) => {
      const x = figures[e].get(c.key)!;
      return [c.label, int(x.requests), int(x.messages), x.stop, msOf(x.profile), msOf(x.replayProfile), msOf(x.thread), ...(e === "today" ? [msOf(x.node)] : [])];
    }),
  });
  const today = runTable("today", `CPU of one run, today's engine (workerd unless said; median of ${REPEATS}; no-op handler; payments-style 2-field messages; bridge at 0 ms)`);
  today.notes = [
    "profiler: the inspector's CPU profile of the run's request (Profiler.setSamplingInterval 50 µs): its JS, GC and (program) samples, not (idle), the wait on Redis, each counted for the profile's median interval between busy samples (tools/bench/cpu/inspector.ts says why: summing the samples' wall-clock deltas counted every gap, tens of ms a run). The isolate's own CPU, what Workers bill. A live run gets few samples (busy samples came every ~0.2 ms, not 50 µs), hence medians.",
    `replayed: the run's HTTP exchanges recorded, then the run replayed ${REPLAYS} times in one request with every fetch answered from the recording (tools/bench/cpu/replay.ts), less a request replaying nothing, per replay. The engine's and the client's CPU without the network.`,
    `thread: CPU of workerd's busiest thread (/proc/<pid>/task/<tid>/schedstat) during an unprofiled run, less that of serving a bare request (GET /health, median of 20: ${usOf(bareUs.today)} µs today, ${usOf(bareUs.before)} µs before). Immune to preemption, but an upper bound: it includes workerd's local HTTP client for every subrequest, which Workers does at least partly outside the isolate.`,
    "Node: process.cpuUsage() (user + system, all threads) around runFunction in a child process; the bridge runs in the parent.",
  ];
  return {
    scenario: "6. CPU per run, per request and per message",
    tables: [
      today,
      { ...runTable("before", `The same runs on the engine before the CPU work (commit ${BEFORE_COMMIT}), measured in turns with today's`), notes: [`${BEFORE_COMMIT} has no CPU budget: its default run is bounded by subrequests only.`] },
      foldedRatioTable({ samples: pairs, measures, defaultRunUs: figures.today.get("default")!.profile }),
      {
        title: `Derived costs (µs), today's engine against ${BEFORE_COMMIT}'s`,
        columns: ["Measure", "per request, before", "per request, today", "per message at 10, before", "per message at 10, today", "per message at 100, before", "per message at 100, today", "today ÷ before at 100"],
        rows: measures.map(([m, label]) => {
          const b = derived.before![m]!;
          const t = derived.today![m]!;
          return [label, usOf(b.perRequest), usOf(t.perRequest), usOf(b.perMessage10), usOf(t.perMessage10), usOf(b.perMessage100), usOf(t.perMessage100), Number.isNaN(b.perMessage100) ? "–" : (t.perMessage100 / b.perMessage100).toFixed(2)];
        }),
        notes: [
          "per request = (batch 1 × 49 − idle run) / its extra requests (replayed: (batch 1 × 10 − idle) / 10); per message at batch B = (batch B × 10 − batch 1 × 10) / the extra messages, both runs making 11 requests.",
          `Where the time goes, batch 10, today (inspector CPU profile of live runs, mean of ${REPEATS}): ${topRows("b10x10")}`,
          `Where the time goes, batch 100, today (the same): ${topRows("b100x10")}`,
        ],
      },
    ],
    data: { figures: Object.fromEntries(ENGINES.map((e) => [e, Object.fromEntries(figures[e])])), derived, ratio: Object.fromEntries(measures.map(([m]) => [m, ratioFigures(pairs, m)])) },
  };
}
