/**
 * `node --import tsx tools/bench/cpu/probe.ts [times] [rounds]`: where a
 * run's CPU goes inside workerd, for working on it. Records runs (idle,
 * 5 batches of 1, 5 batches of 100), replays each `times` times without the
 * network, and prints the isolate thread's CPU per run, per request and per
 * message, then the replays' top self-time functions under the inspector's
 * CPU profiler; for today's engine and the one before the CPU work, in turns.
 */
import { startStack } from "../stack.js";
import { openGate } from "../contenders/cronsumer.js";
import { backlog, freshStream } from "../workload.js";
import { startCpuWorker } from "./workerd.js";

const times = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 3);
const log = (l: string) => console.error(l);
const stack = await startStack();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const bridge = await stack.bridge(0);
  const prepare = async (batchSize: number, count: number) => {
    const stream = freshStream(stack, `probe-${batchSize}`);
    await backlog(stack.tcp, stream, count, "probe");
    await openGate(stack, stream, "probe");
    return { stream, group: "probe", options: JSON.stringify({ maxCpuMs: 30_000, batchSize, maxMessages: batchSize * 5, handlerTimeoutMs: 2_000 }) };
  };
  const workers = { today: await startCpuWorker(bridge, log), before: await startCpuWorker(bridge, log, "before") };
  const runs = { idle: [1, 0], b1: [1, 6], b100: [100, 600] } as const;
  const got: Record<string, Record<string, number[]>> = { today: { idle: [], b1: [], b100: [] }, before: { idle: [], b1: [], b100: [] } };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, w] of Object.entries(workers)) {
        for (const [run, [batch, count]] of Object.entries(runs)) {
          const q = await prepare(batch, count);
          const base = await w.timedReplay(q, 0);
          const many = await w.timedReplay(await prepare(batch, count), times);
          got[name]![run]!.push((many.busiestUs - base.busiestUs) / times);
        }
      }
    }
    for (const name of Object.keys(workers)) {
      const m = (k: string) => median(got[name]![k]!);
      console.log(`${name} (thread CPU per replay, median of ${rounds}): idle ${m("idle").toFixed(0)} µs; 5 × batch 1 ${m("b1").toFixed(0)} µs; 5 × batch 100 ${m("b100").toFixed(0)} µs; per request ≈ ${((m("b1") - m("idle")) / 5).toFixed(0)} µs; per message at 100 ${((m("b100") - m("b1")) / 495).toFixed(2)} µs`);
    }
    for (const [name, w] of Object.entries(workers)) {
      for (const [run, [batch, count]] of Object.entries(runs)) {
        const p = await w.profileReplay(await prepare(batch, count), times);
        console.log(`${name} ${run}: profiler per replay ${((p.cpu.js + p.cpu.gc + p.cpu.program) / times).toFixed(0)} µs`);
        for (const [fn, us] of [...p.cpu.byFunction].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`   ${(us / times).toFixed(1)} µs  ${fn}`);
      }
    }
  } finally {
    await workers.today.stop();
    await workers.before.stop();
  }
} finally {
  await stack.close();
}
