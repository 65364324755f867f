/**
 * How much one cron tick takes, with 1, 3 and 10 functions on the cron, on
 * the Free defaults (the invocation's 50 subrequests and 10 ms of CPU shared
 * by need, src/core/run/share.ts) and on Paid budgets (each function its
 * own `maxCpuMs: 30000`, `maxSubrequests: 1000`): all idle, one busy beside
 * idle ones, all busy. One tick through `runScheduled` over the Worker's own
 * transport (`transportFromEnv`, which merges every function's requests),
 * counted at the bridge. Node figures: the CPU budget is the engine's
 * estimate, so the messages a tick takes do not depend on this machine.
 */
import { definePollingFunction, type PollingFunction } from "../../../src/core/define/define.js";
import type { RunReport } from "../../../src/core/features/report.js";
import { transportFromEnv } from "../../../src/functions/redis.js";
import { runScheduled } from "../../../src/functions/scheduled.js";
import { openGate } from "../contenders/cronsumer.js";
import type { Context } from "../context.js";
import type { Section } from "../report.js";
import { int } from "../report.js";
import { backlog, freshStream } from "../workload.js";

const GROUP = "bench";
const CRON = "* * * * *";
const BACKLOG = 1_500;
const PAID = { maxCpuMs: 30_000, maxSubrequests: 1_000 };

type Plan = "Free defaults" | "Paid";
type Load = "all idle" | "one busy, the rest idle" | "all busy";

export async function tickScenario(ctx: Context): Promise<Section> {
  const { stack } = ctx;
  const bridge = await stack.bridge(0);
  const rows: string[][] = [];
  const data: unknown[] = [];
  for (const plan of ["Free defaults", "Paid"] as Plan[]) {
    for (const n of [1, 3, 10]) {
      for (const load of ["all idle", "one busy, the rest idle", "all busy"] as Load[]) {
        if (n === 1 && load === "one busy, the rest idle") continue;
        ctx.log(`  ${plan}, ${n} functions, ${load} …`);
        const fns = Array.from({ length: n }, (_, i) => fn(freshStream(stack, "tick"), i, plan));
        const busy = load === "all idle" ? 0 : load === "all busy" ? n : 1;
        for (const [i, f] of fns.entries()) {
          await backlog(stack.tcp, f.stream, i < busy ? BACKLOG : 0, GROUP);
          await openGate(stack, f.stream, GROUP);
        }
        const before = { ...bridge.stats };
        const reports = (await runScheduled(fns, CRON, Date.now(), { ...bridge.env, WAKE_ON_ENQUEUE: "false" }, transportFromEnv(bridge.env, fns))) as RunReport[];
        const requests = bridge.stats.requests - before.requests;
        const commands = bridge.stats.commands - before.commands;
        const taken = reports.map((r) => r.acked);
        const total = taken.reduce((a, b) => a + b, 0);
        const refused = reports.filter((r) => r.stopReason === "error" && /must leave room/.test(r.error ?? "")).length;
        if (refused > 0) {
          rows.push([plan, int(n), load, int(requests), int(commands), `refused: ${refused} functions' \`maxCpuMs\` leaves no room for one batch`, "—"]);
          data.push({ plan, functions: n, load, refused });
          await stack.sweep();
          continue;
        }
        rows.push([plan, int(n), load, int(requests), int(commands), int(total), busy > 1 ? `${int(Math.min(...taken.slice(0, busy)))}–${int(Math.max(...taken.slice(0, busy)))}` : busy === 1 ? int(taken[0]!) : "—"]);
        data.push({ plan, functions: n, load, requests, commands, taken });
        await stack.sweep();
      }
    }
  }
  return {
    scenario: "One cron tick: what it takes with 1, 3 and 10 functions",
    tables: [
      {
        title: `One tick (groups and gates made beforehand; batch 10, concurrency 10, handlers instant; a busy function has ${int(BACKLOG)} waiting)`,
        columns: ["budgets", "functions", "load", "requests", "commands", "messages handled", "per busy function"],
        rows,
        notes: ["Requests are HTTP requests to Redis (Worker subrequests) after merging; commands are what Upstash bills. Free: the invocation's 50 subrequests and 10 ms of CPU shared by need; Paid: each function maxCpuMs 30000 and maxSubrequests 1000."],
      },
    ],
    data,
  };
}

function fn(stream: string, i: number, plan: Plan): PollingFunction {
  return definePollingFunction({
    name: `tick-${i}-${stream.slice(-8)}`,
    stream,
    group: GROUP,
    crons: [CRON],
    handle: async () => {},
    options: plan === "Paid" ? PAID : {},
  });
}
