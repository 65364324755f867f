/**
 * Scenario 3: what a run costs when there is nothing to do. On a one-minute
 * cron that is paid 43,200 times a month, per function.
 */
import { drainCronsumer, openGate } from "../contenders/cronsumer.js";
import { idleSeedStyle } from "../contenders/seed-style.js";
import { idleUpstashQueue, QUEUE_PREFIX, queueFor } from "../contenders/upstash-queue.js";
import type { Context } from "../context.js";
import type { Measured } from "../measure.js";
import { measure } from "../measure.js";
import type { Section } from "../report.js";
import { int, ms, per } from "../report.js";
import type { BenchBridge } from "../stack.js";
import type { Job } from "../workload.js";
import { consumerCount, freshStream } from "../workload.js";

const GROUP = "bench";
export const RUNS_PER_MONTH = 43_200;
export const FREE_COMMANDS = 500_000;
export const DOLLARS_PER_100K = 0.2;

interface Idle extends Measured {
  contender: string;
  delayMs: number;
  runs: number;
  consumersLeft: number;
}

export async function idleScenario(ctx: Context): Promise<Section> {
  const { stack, settings } = ctx;
  const runs = settings.idleRuns;
  const results: Idle[] = [];
  const notes: string[] = [];
  for (const d of settings.delays) {
    const bridge = await stack.bridge(d);
    const empty = async (queue = false) => {
      const stream = queue ? `${QUEUE_PREFIX}${freshStream(stack, "idle")}` : freshStream(stack, "idle");
      stack.track(stream);
      await stack.tcp.xGroupCreate(stream, GROUP, "0", { MKSTREAM: true });
      const job: Job = { stream, group: GROUP, total: 0, handle: async () => {}, deadline: Infinity };
      return job;
    };
    const one = async (contender: string, job: Job, tick: () => Promise<unknown>) => {
      ctx.log(`  ${contender}, delay ${d} ms …`);
      const m = await measure(bridge.stats, async () => {
        for (let i = 0; i < runs; i++) await tick();
        return { processed: 0 };
      });
      results.push({ ...m, contender, delayMs: d, runs, consumersLeft: await consumerCount(stack.tcp, job.stream, GROUP) });
    };
    const c = await empty();
    await openGate(stack, c.stream, GROUP);
    // True defaults: an idle run costs the same under any budget.
    const setup = { label: "cronsumer (defaults)", options: {} };
    // One run at a time, stopping on the first idle run, is exactly one cron tick.
    let reported = { requests: 0, commands: 0 };
    await one("cronsumer (defaults)", c, async () => {
      const out = await drainCronsumer(stack, bridge, { ...c, total: 1 }, setup, { maxRuns: 1 });
      reported = { requests: reported.requests + out.reported!.requests, commands: reported.commands + out.reported!.commands };
    });
    results[results.length - 1]!.reported = reported;
    const s = await empty();
    await one("seed-style loop iteration (XREADGROUP COUNT 10)", s, () => idleSeedStyle(bridge, s));
    const q = await empty(true);
    await one("@upstash/queue receiveMessage() (fresh instance per tick)", q, () => idleUpstashQueue(bridge, q));
    if (d === settings.delays[0]) notes.push(await reusedQueueNote(bridge, q));
    await stack.sweep();
  }
  const perRun = (r: Idle) => ({ requests: r.requests / r.runs, commands: r.commands / r.runs, ms: r.ms / r.runs });
  const idleRows = results.map((r) => {
    const p = perRun(r);
    const cross = r.reported ? (r.reported.requests === r.requests && r.reported.commands === r.commands ? "run reports = bridge counts" : `run reports ${r.reported.requests}/${r.reported.commands} ≠ bridge ${r.requests}/${r.commands}`) : "";
    return [`${r.delayMs} ms`, r.contender, per(p.requests), per(p.commands), ms(p.ms), int(r.consumersLeft), cross];
  });
  const first = results.filter((r) => r.delayMs === settings.delays[0]);
  const billRows = first.map((r) => {
    const cmds = perRun(r).commands;
    const month = cmds * RUNS_PER_MONTH;
    const over = Math.max(0, month - FREE_COMMANDS);
    const consumers = r.consumersLeft >= r.runs ? `≈ ${int((r.consumersLeft / r.runs) * RUNS_PER_MONTH)}, never deleted` : r.consumersLeft === 0 ? "0" : `${r.consumersLeft} (bounded)`;
    return [r.contender, per(cmds), int(month), `${Math.round((100 * month) / FREE_COMMANDS)}%`, `$${((over / 100_000) * DOLLARS_PER_100K).toFixed(2)}`, consumers];
  });
  return {
    scenario: "3. Idle cost",
    tables: [
      {
        title: `Per idle run (mean of ${runs} runs on an empty stream whose group exists)`,
        columns: ["Delay", "Contender", "HTTP requests/run", "Commands/run", "Time/run", "Consumers left", "Notes"],
        rows: idleRows,
        notes,
      },
      {
        title: "Monthly bill of one function on a one-minute cron, idle (43,200 runs/month)",
        columns: ["Contender", "Commands/run", "Commands/month", "% of free tier (500K)", "Cost beyond free tier ($0.20/100K)", "Consumers in the group after a month"],
        rows: billRows,
        notes: [
          "Every function on the cron pays this separately: the two shipped functions (payments, webhook) double it.",
          "Upstash bills every command, also inside a pipeline or MULTI/EXEC; the bridge counts the commands in each request body (MULTI and EXEC themselves are not counted).",
        ],
      },
    ],
    data: results,
  };
}

/** A long-lived Queue instance (module scope in a Worker isolate) after one empty receive. */
async function reusedQueueNote(bridge: BenchBridge, job: Job): Promise<string> {
  const queue = queueFor(bridge, job.stream, job.group);
  await queue.receiveMessage();
  try {
    await queue.receiveMessage();
    return "@upstash/queue: a reused instance could receive again after an empty receive.";
  } catch (error) {
    return `@upstash/queue: a reused instance refuses its second receive after an empty one ("${error instanceof Error ? error.message : String(error)}": the empty receive never releases its concurrency slot), so each tick needs a fresh instance, which also re-sends XGROUP CREATE.`;
  }
}
