/**
 * Fan-out: a cron tick whose first read came back full starts up to
 * `maxParallelRuns − 1` drainers beside its own run. Each drainer is a request
 * to a Durable Object (drainer.ts), named `<function>:<i>`, so each is an
 * invocation of its own, with its own subrequest and CPU budgets: what a
 * service binding to the same Worker would not give (it shares the caller's
 * CPU). Drainer `i` runs with slot `tick + i`, so its consumer name stays in
 * the function's pool (`consumerPoolSize`): fan-out never creates consumers.
 *
 * Without the binding (`CRONSUMER_DRAINER`) a tick runs as before, and says so once.
 */
import type { PollingFunction } from "../core/define/define.js";
import { resolveOptions } from "../core/define/define.js";
import type { RunReport } from "../core/features/report.js";
import type { Env } from "../env.js";

/** The Durable Object binding drainers go through; see wrangler.toml. */
export const DRAINER_BINDING = "CRONSUMER_DRAINER";
/** A drainer re-arms itself (its alarm) while budget-bound, until this long after the tick. */
export const DRAIN_WINDOW_MS = 55_000;

/** What a drainer is asked to do. */
export interface DrainJob {
  function: string;
  slot: number;
  /** Unix ms after which a budget-bound drainer stops re-arming. */
  until: number;
  /** Unix ms of the wake lease's end (wake.ts): a drainer that drained before it reads once more then. */
  quietAt?: number;
}

/** The structural subset of a Durable Object namespace that fan-out needs. */
export interface DrainerNamespace {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

let warned = false;

/** Whether a full first read of `fn` starts drainers: `maxParallelRuns` > 1 and the binding is there. */
export function fansOut(fn: PollingFunction, env: Env): boolean {
  try {
    return resolveOptions(fn, env, 1).maxParallelRuns > 1 && env[DRAINER_BINDING] !== undefined;
  } catch {
    return false; // Its run reports the bad option.
  }
}

/** Starts the drainers of one tick's function; resolves with their first reports (a drainer that failed is logged, not thrown). */
export async function startDrainers(fn: PollingFunction, env: Env, slot: number, scheduledTime: number): Promise<RunReport[]> {
  const n = resolveOptions(fn, env, 1).maxParallelRuns - 1;
  if (n <= 0) return [];
  const ns = env[DRAINER_BINDING] as DrainerNamespace | undefined;
  if (!ns) {
    if (!warned) console.warn(`cronsumer: ${fn.name} has maxParallelRuns > 1 but the Worker has no ${DRAINER_BINDING} Durable Object binding: running one run per tick`);
    warned = true;
    return [];
  }
  const drains = Array.from({ length: n }, async (_, i) => {
    const job: DrainJob = { function: fn.name, slot: slot + i + 1, until: scheduledTime + DRAIN_WINDOW_MS };
    const stub = ns.get(ns.idFromName(`${fn.name}:${i + 1}`) as never);
    const response = await stub.fetch("https://drainer/run", { method: "POST", body: JSON.stringify(job), headers: { "content-type": "application/json" } });
    if (!response.ok) throw new Error(`drainer ${i + 1} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    // 202: that drainer is still draining for an earlier tick.
    return response.status === 202 ? [] : [(await response.json()) as RunReport];
  });
  const settled = await Promise.allSettled(drains);
  for (const s of settled) if (s.status === "rejected") console.error(`cronsumer: ${fn.name} drainer failed: ${String(s.reason)}`);
  return settled.flatMap((s) => (s.status === "fulfilled" ? s.value : []));
}
