/**
 * Runs the CPU bench's Worker (worker.ts) under `wrangler dev` against a
 * bench bridge and profiles one run at a time inside workerd: the profiler
 * is started, `GET /run` is sent, and the profiler is stopped once the run's
 * report has come back (the run is the request itself, not `waitUntil` work,
 * so its answer comes when the run is done).
 *
 * What is counted: the CPU profile's samples between start and stop, split
 * by `splitProfile` into JS (every frame), GC and `(program)` (workerd's own
 * native work outside JS: the HTTP request and response, the event loop),
 * leaving out `(idle)`, the wait on Redis. Sampling every 50 µs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { RunReport } from "../../../src/core/features/report.js";
import { freePort } from "../../../src/dev/stack/ports.js";
import { startWorker } from "../../../src/dev/stack/worker.js";
import type { BenchBridge } from "../stack.js";
import { materializeBefore } from "./before.js";
import type { CpuSplit, Inspector, Profile } from "./inspector.js";
import { connectInspector, splitProfile } from "./inspector.js";
import { threadDelta, threadTimes, workerdPid } from "./thread-cpu.js";

export const SAMPLING_INTERVAL_US = 50;

export interface ProfiledRun {
  report: RunReport;
  cpu: CpuSplit;
  wallMs: number;
}

export interface TimedRun {
  report: RunReport;
  /** workerd's threads' CPU during the run (schedstat), without the profiler: all threads, and the busiest one. */
  totalUs: number;
  busiestUs: number;
}

export interface CpuWorker {
  profileRun(query: Record<string, string>): Promise<ProfiledRun>;
  timedRun(query: Record<string, string>): Promise<TimedRun>;
  /** The thread CPU of serving a bare request (`GET /health`) through wrangler's proxy: what a run's own request costs before the run. */
  timedHealth(): Promise<number>;
  /** Records the run at `query` (a fresh backlog), then times `times` replays of it in one request. */
  timedReplay(query: Record<string, string>, times: number): Promise<TimedRun>;
  /** Records the run at `query`, then profiles `times` replays of it in one request. */
  profileReplay(query: Record<string, string>, times: number): Promise<ProfiledRun>;
  stop(): Promise<void>;
}

/** `engine: "before"` runs the bench Worker on the engine of `BEFORE_COMMIT` (before.ts). */
export async function startCpuWorker(bridge: BenchBridge, log: (line: string) => void, engine: "today" | "before" = "today"): Promise<CpuWorker> {
  const projectDir = resolve(import.meta.dirname, "../../..");
  const config = engine === "before" ? await materializeBefore(projectDir) : join(projectDir, "tools/bench/cpu/wrangler.toml");
  const persistTo = await mkdtemp(join(tmpdir(), "cronsumer-cpu-bench-"));
  const port = await freePort();
  const inspectorPort = await freePort();
  const worker = await startWorker({
    projectDir,
    port,
    inspectorPort,
    persistTo,
    config,
    vars: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token },
    onOutput: (line) => (/error/i.test(line) ? log(`  wrangler: ${line}`) : undefined),
  });
  let inspector: Inspector | undefined;
  try {
    inspector = await connectInspector(inspectorPort);
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
  } catch (error) {
    inspector?.close();
    await worker.stop();
    await rm(persistTo, { recursive: true, force: true });
    throw error;
  }
  const ins = inspector;
  const pid = workerdPid(worker.pid);
  const run = async (query: Record<string, string>, path = "/run"): Promise<RunReport> => {
    const r = await fetch(`${worker.url}${path}?${new URLSearchParams(query)}`);
    const text = await r.text();
    if (r.status !== 200) throw new Error(`GET /run answered ${r.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as RunReport;
  };
  const profiled = async (query: Record<string, string>, path: string): Promise<ProfiledRun> => {
    await ins.send("Profiler.start");
    const started = performance.now();
    const answer = await run(query, path).catch((error: Error) => error);
    const wallMs = performance.now() - started;
    // Stopped whatever the answer, or the next start would fail.
    const { profile } = await ins.send<{ profile: Profile }>("Profiler.stop");
    if (answer instanceof Error) throw answer;
    return { report: answer, cpu: splitProfile(profile), wallMs };
  };
  return {
    async timedReplay(query, times) {
      await run(query, "/record");
      const before = threadTimes(pid);
      const report = await run({ ...query, times: String(times) }, "/replay");
      return { report, ...threadDelta(before, threadTimes(pid)) };
    },
    async timedHealth() {
      const before = threadTimes(pid);
      const r = await fetch(`${worker.url}/health`);
      await r.text();
      return threadDelta(before, threadTimes(pid)).busiestUs;
    },
    async timedRun(query) {
      const before = threadTimes(pid);
      const report = await run(query);
      return { report, ...threadDelta(before, threadTimes(pid)) };
    },
    async profileReplay(query, times) {
      await run(query, "/record");
      return profiled({ ...query, times: String(times) }, "/replay");
    },
    profileRun: (query) => profiled(query, "/run"),
    async stop() {
      ins.close();
      await worker.stop();
      await rm(persistTo, { recursive: true, force: true });
    },
  };
}
