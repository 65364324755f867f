/**
 * `node --import tsx tools/bench/cpu/node-ratio.ts [rounds] [--cpu-prof]`:
 * the Node side of the CPU ratio at batch 100, quickly, for working on it:
 * cronsumer's run against the folded loop (folded.ts), in turns, in one
 * child (node-run.ts), per message at batch 100 as the cpu scenario derives
 * it ((10 batches of 100 − 10 batches of 1) / the extra messages). With
 * `--cpu-prof` the child writes a V8 CPU profile (into .wrangler/, ignored).
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { openGate } from "../contenders/cronsumer.js";
import { startStack } from "../stack.js";
import { backlog, freshStream } from "../workload.js";

const rounds = Number(process.argv[2] ?? 11);
const profile = process.argv.includes("--cpu-prof");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runs = {
  b1: { options: { maxCpuMs: 30_000, batchSize: 1, maxMessages: 10 }, backlog: 20 },
  b100: { options: { maxCpuMs: 30_000, batchSize: 100, handlerTimeoutMs: 2_000, maxMessages: 1_000 }, backlog: 1_100 },
};
const engines = ["today", "folded"] as const;
const stack = await startStack();
try {
  const bridge = await stack.bridge(0);
  const queries: Record<string, string>[] = [];
  const order: string[] = [];
  for (let i = 0; i < rounds + 1; i++) {
    for (const e of i % 2 ? [...engines].reverse() : engines) {
      for (const [name, r] of Object.entries(runs)) {
        const stream = freshStream(stack, `ratio-${name}`);
        await backlog(stack.tcp, stream, r.backlog, "ratio");
        await openGate(stack, stream, "ratio");
        queries.push({ stream, group: "ratio", options: JSON.stringify(r.options), engine: e });
        order.push(`${e}/${name}`);
      }
    }
  }
  const args = [...(profile ? ["--cpu-prof", "--cpu-prof-interval", "50", "--cpu-prof-dir", resolve(import.meta.dirname, "../../../.wrangler/cpu-prof")] : []), "--import", "tsx", resolve(import.meta.dirname, "node-run.ts"), JSON.stringify(queries)];
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    env: { ...process.env, CPU_BENCH_URL: bridge.url, CPU_BENCH_TOKEN: bridge.token },
    maxBuffer: 64 * 1024 * 1024,
  });
  const got = new Map<string, number[]>();
  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { report: { read: number; stopReason: string }; cpuUs: number });
  // The first round warms up.
  lines.forEach((l, i) => {
    if (i < engines.length * 2) return;
    if (l.report.stopReason === "error") throw new Error(`run failed: ${JSON.stringify(l.report)}`);
    got.set(order[i]!, [...(got.get(order[i]!) ?? []), l.cpuUs]);
  });
  const perMessage = (e: string) => (median(got.get(`${e}/b100`)!) - median(got.get(`${e}/b1`)!)) / 990;
  for (const e of engines) console.log(`${e}: batch 1 × 10 ${median(got.get(`${e}/b1`)!).toFixed(0)} µs, batch 100 × 10 ${median(got.get(`${e}/b100`)!).toFixed(0)} µs, per message at 100 ${perMessage(e).toFixed(2)} µs`);
  console.log(`ratio at batch 100 (Node, median of ${rounds}): ${(perMessage("today") / perMessage("folded")).toFixed(2)}×`);
} finally {
  await stack.close();
}
