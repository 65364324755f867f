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
import type { RunReport } from "../../../src/core/report.js";
import { freePort } from "../../stack/ports.js";
import { startWorker } from "../../stack/worker.js";
import type { BenchBridge } from "../stack.js";
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
  /** Records the run at `query` (a fresh backlog), then times `times` replays of it in one request. */
  timedReplay(query: Record<string, string>, times: number): Promise<TimedRun>;
  stop(): Promise<void>;
}

export async function startCpuWorker(bridge: BenchBridge, log: (line: string) => void): Promise<CpuWorker> {
  const projectDir = resolve(import.meta.dirname, "../../..");
  const persistTo = await mkdtemp(join(tmpdir(), "cronsumer-cpu-bench-"));
  const port = await freePort();
  const inspectorPort = await freePort();
  const worker = await startWorker({
    projectDir,
    port,
    inspectorPort,
    persistTo,
    config: join(projectDir, "tools/bench/cpu/wrangler.toml"),
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
  return {
    async timedReplay(query, times) {
      await run(query, "/record");
      const before = threadTimes(pid);
      const report = await run({ ...query, times: String(times) }, "/replay");
      return { report, ...threadDelta(before, threadTimes(pid)) };
    },
    async timedRun(query) {
      const before = threadTimes(pid);
      const report = await run(query);
      return { report, ...threadDelta(before, threadTimes(pid)) };
    },
    async profileRun(query) {
      await ins.send("Profiler.start");
      const started = performance.now();
      const answer = await run(query).catch((error: Error) => error);
      const wallMs = performance.now() - started;
      // Stopped whatever the answer, or the next start would fail.
      const { profile } = await ins.send<{ profile: Profile }>("Profiler.stop");
      if (answer instanceof Error) throw answer;
      const report = answer;
      return { report, cpu: splitProfile(profile), wallMs };
    },
    async stop() {
      ins.close();
      await worker.stop();
      await rm(persistTo, { recursive: true, force: true });
    },
  };
}
