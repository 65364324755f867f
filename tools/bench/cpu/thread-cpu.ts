/**
 * CPU time of a process's threads, read from Linux's
 * `/proc/<pid>/task/<tid>/schedstat` (first field: ns spent running). Unlike
 * a sampling profiler's wall-clock deltas, it does not count time the thread
 * was preempted, which matters on a shared machine.
 */
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

export type ThreadTimes = Map<string, number>;

export function threadTimes(pid: number): ThreadTimes {
  const out: ThreadTimes = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Per-thread ns between two readings: the total, and the busiest thread (the isolate's). */
export function threadDelta(before: ThreadTimes, after: ThreadTimes): { totalUs: number; busiestUs: number } {
  let total = 0;
  let busiest = 0;
  for (const [tid, ns] of after) {
    const d = ns - (before.get(tid) ?? 0);
    total += d;
    busiest = Math.max(busiest, d);
  }
  return { totalUs: total / 1_000, busiestUs: busiest / 1_000 };
}

/** The workerd process in a process group (wrangler's own). */
export function workerdPid(pgid: number): number {
  const lines = execFileSync("ps", ["-o", "pid=,comm=", "-g", String(pgid)], { encoding: "utf8" }).trim().split("\n");
  const hit = lines.map((l) => l.trim().split(/\s+/)).find(([, comm]) => comm === "workerd");
  if (!hit) throw new Error(`no workerd process in process group ${pgid}: ${lines.join("; ")}`);
  return Number(hit[0]);
}
