/**
 * What a cron tick does: run every function whose schedule is this cron,
 * side by side, sharing the invocation's subrequest limit. Manual runs
 * (`POST /functions/:name/run`) go through `runOne`, the same code path.
 */
import { homeTransport } from "../core/partitions/routed-transport.js";
import type { PollingFunction } from "../core/define/define.js";
import type { FunctionOptions } from "../core/define/options.js";
import { FREE_PLAN_CPU_MS, FREE_PLAN_SUBREQUESTS, leastCpuUs, leastRequests } from "../core/define/options.js";
import { resolveOptions } from "../core/define/define.js";
import { overrideVarName } from "../core/define/overrides.js";
import { InvocationShare } from "../core/run/share.js";
import { expandPartitions } from "../core/partitions/partition-members.js";
import type { RunReport } from "../core/features/report.js";
import { runFunction } from "../core/run/run.js";
import { runSession } from "../core/run/run-session.js";
import type { Transport } from "../core/redis/transport.js";
import type { Env } from "../env.js";
import { startDrainers } from "./fan-out.js";
import { handOver, handOverReserve } from "./hand-over.js";
import { transportFromEnv } from "./redis.js";

export interface Skipped {
  function: string;
  skipped: string;
}

export async function runScheduled(
  functions: readonly PollingFunction[],
  cron: string,
  scheduledTime: number,
  env: Env,
  transport: Transport = transportFromEnv(env, functions),
): Promise<(RunReport | Skipped)[]> {
  // Members of a partitioned function run like any function (a no-op for a list already expanded).
  const all = expandPartitions(functions);
  const due = all.filter((f) => f.crons.includes(cron));
  const active = due.filter((f) => !skipReason(f, env));
  const slot = Math.floor(scheduledTime / 60_000);
  // A tick whose first read comes back full starts drainers beside its own run (fan-out.ts).
  const drains: Promise<unknown>[] = [];
  const backlogged = new Set<string>();
  const onBacklog = (f: PollingFunction) => () => {
    backlogged.add(f.name);
    drains.push(startDrainers(f, env, slot, scheduledTime).catch((e: unknown) => console.error(`cronsumer: ${f.name} fan-out failed: ${String(e)}`)));
  };
  // The functions on a cron (partition members too) share the invocation's 50 subrequests and 10 ms of
  // CPU (Free) by need: an idle one spends its one request, the busy ones the rest (share.ts). A function
  // that sets its own maxSubrequests or maxCpuMs keeps it, and then the others split evenly as before.
  // A session, not a single run: it waits for retries due within its budget, and polls with `pollIntervalMs`.
  const share = sharedByNeed(active, env);
  const budgets = share ? { share, sharers: 1 } : { sharers: active.length };
  // A session that ends on a budget hands the rest to the function's drainer instead of leaving it for the next tick (hand-over.ts).
  const reservedSubrequests = handOverReserve(env);
  const runs = active.map(async (f) => {
    const report = await runSession(f, { transport, vars: env, trigger: "cron", slot, ...budgets, onBacklog: onBacklog(f), functions: all }, { poll: true, reservedSubrequests });
    await handOver(f, env, report, { slot, from: scheduledTime, backlogged: backlogged.has(f.name) });
    return report;
  });
  const skipped = due.filter((f) => skipReason(f, env)).map((f) => ({ function: f.name, skipped: skipReason(f, env)! }));
  for (const s of skipped) console.log(`cronsumer: skipping ${s.function}: ${s.skipped}`);
  const reports = await Promise.all(runs);
  await Promise.all(drains);
  for (const r of reports) if (r.stopReason === "error") console.error(`cronsumer: ${r.function} run failed: ${r.error}`);
  return [...reports, ...skipped];
}

/** `functions`: the deployment's, so effects onto a partitioned stream reach its partition. */
export async function runOne(fn: PollingFunction, env: Env, transport: Transport = transportFromEnv(env, [fn]), functions?: readonly PollingFunction[]): Promise<RunReport | Skipped> {
  const reason = skipReason(fn, env);
  if (reason) return { function: fn.name, skipped: reason };
  // A random slot keeps manual runs within the pool while overlapping a cron run on another name most of the time.
  return runFunction(fn, { transport: homeTransport(transport, fn), vars: env, trigger: "manual", slot: Math.floor(Math.random() * 1_000), ...(functions ? { functions } : {}) });
}

const skipReason = (fn: PollingFunction, env: Env): string | undefined => fn.skipReason?.(env);

/**
 * The invocation's budgets shared by need, unless some function sets its own,
 * or the pool cannot hold one batch of every function at once (five or more
 * on one cron on Free, by the CPU estimate): then each keeps an even split,
 * and its validation says which does not fit, instead of some functions
 * silently reading nothing.
 */
export function sharedByNeed(functions: readonly PollingFunction[], env: Env): InvocationShare | undefined {
  const own = (f: PollingFunction, option: "maxSubrequests" | "maxCpuMs") => f.options[option] !== undefined || env[overrideVarName(f.name, [option])] !== undefined;
  if (functions.length < 2 || functions.some((f) => own(f, "maxSubrequests") || own(f, "maxCpuMs"))) return undefined;
  let requests = 0;
  let cpuUs = 0;
  for (const f of functions) {
    let o: FunctionOptions;
    try {
      o = resolveOptions(f, env, 1);
    } catch {
      return undefined; // Its run reports the bad option.
    }
    requests += leastRequests(o);
    cpuUs += leastCpuUs(o);
  }
  // Each function's possible hand-over keeps its subrequest out of the pool.
  const pool = FREE_PLAN_SUBREQUESTS - handOverReserve(env) * functions.length;
  if (requests > pool || cpuUs > FREE_PLAN_CPU_MS * 1_000) return undefined;
  // Each run's least is set aside for it, so one started last still gets its first batch.
  return new InvocationShare(pool, FREE_PLAN_CPU_MS, { subrequests: requests, cpuUs });
}
