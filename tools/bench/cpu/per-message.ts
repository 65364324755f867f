/**
 * `node --import tsx tools/bench/cpu/per-message.ts [replays] [rounds] [top]`:
 * where the CPU per message at batch 100 goes inside workerd, for working on
 * it. For today's engine and the folded loop (folded.ts), records a run of
 * 10 batches of 100 and one of 10 batches of 1, profiles `replays` replays of
 * each without the network, and prints per extra message: the total, and
 * each function's self time (the difference between the two profiles), so
 * per-request costs cancel and what is left scales with messages.
 */
import { openGate } from "../contenders/cronsumer.js";
import { startStack } from "../stack.js";
import { backlog, freshStream } from "../workload.js";
import type { ProfiledRun } from "./workerd.js";
import { startCpuWorker } from "./workerd.js";

const replays = Number(process.argv[2] ?? 30);
const rounds = Number(process.argv[3] ?? 3);
const top = Number(process.argv[4] ?? 30);
const EXTRA = 990;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuOf = (p: ProfiledRun) => (p.cpu.js + p.cpu.gc + p.cpu.program) / replays;
const stack = await startStack();
try {
  const bridge = await stack.bridge(0);
  const prepare = async (batchSize: number, count: number, engine: string) => {
    const stream = freshStream(stack, "per-message");
    await backlog(stack.tcp, stream, count + 10 * batchSize, "pm");
    await openGate(stack, stream, "pm");
    const options = JSON.stringify({ maxCpuMs: 30_000, batchSize, maxMessages: count, handlerTimeoutMs: 2_000 });
    return { stream, group: "pm", options, ...(engine === "folded" ? { engine } : {}) };
  };
  const w = await startCpuWorker(bridge, (l) => console.error(l));
  try {
    const totals: Record<string, number[]> = { today: [], folded: [] };
    const fns: Record<string, Map<string, number>> = { today: new Map(), folded: new Map() };
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 ? ["folded", "today"] : ["today", "folded"]) {
        const hundred = await w.profileReplay(await prepare(100, 1_000, side), replays);
        const one = await w.profileReplay(await prepare(1, 10, side), replays);
        totals[side]!.push((cpuOf(hundred) - cpuOf(one)) / EXTRA);
        const add = (p: ProfiledRun, sign: number) => {
          for (const [fn, us] of p.cpu.byFunction) fns[side]!.set(fn, (fns[side]!.get(fn) ?? 0) + (sign * us) / replays / EXTRA / rounds);
        };
        add(hundred, 1);
        add(one, -1);
      }
    }
    console.log(`per message at 100, replayed (µs, median of ${rounds}): today ${median(totals.today!).toFixed(2)}, folded ${median(totals.folded!).toFixed(2)}, ratio ${(median(totals.today!) / median(totals.folded!)).toFixed(2)}×`);
    for (const side of ["today", "folded"]) {
      console.log(side);
      for (const [fn, us] of [...fns[side]!].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${(us * 1000).toFixed(0).padStart(5)} ns  ${fn}`);
    }
  } finally {
    await w.stop();
  }
} finally {
  await stack.close();
}
