/**
 * `createDrainer({ functions })`: the Durable Object class fan-out sends
 * drainers to (fan-out.ts). Export it from the Worker's main module under the
 * class name wrangler.toml binds (`CronsumerDrainer`):
 *
 *   export const CronsumerDrainer = createDrainer({ functions });
 *
 * Each request runs one run of the named function with the given slot. A run
 * that stopped on a budget (messages, subrequests, time) sets the object's
 * alarm to run again at once, as a fresh invocation with fresh budgets, until
 * the job's window ends; a run that drained stops there. The class is
 * structural (no `cloudflare:workers` import), so the package loads in Node too.
 */
import { homeTransport } from "../core/partitions/routed-transport.js";
import type { PollingFunction } from "../core/define/define.js";
import type { RunReport } from "../core/features/report.js";
import { runFunction } from "../core/run/run.js";
import type { Env } from "../env.js";
import { checkFunctions } from "./check-functions.js";
import type { WorkerOptions } from "./create-worker.js";
import type { DrainJob } from "./fan-out.js";
import { transportFromEnv } from "./redis.js";

/** The subset of a Durable Object's state a drainer uses. */
export interface DrainerState {
  storage: {
    get<T>(key: string): Promise<T | undefined>;
    put(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<boolean>;
    setAlarm(at: number): Promise<void>;
  };
}

const BUDGET_BOUND = new Set(["messages", "subrequests", "time"]);

export type DrainerClass = new (state: DrainerState, env: Env) => { fetch(request: Request): Promise<Response>; alarm(): Promise<void> };

export function createDrainer(options: WorkerOptions): DrainerClass {
  // Fan-out names a partition's member (`<name>-p<i>`), so drainers know members as the tick does.
  const functions = checkFunctions(options.functions);
  const { transport = (env: Env) => transportFromEnv(env, functions) } = options;
  const byName = new Map<string, PollingFunction>(functions.map((f) => [f.name, f]));
  return class CronsumerDrainer {
    /** One run at a time per drainer, so overlapping ticks never hold more than `maxParallelRuns` runs. */
    #busy = false;

    constructor(
      private readonly state: DrainerState,
      private readonly env: Env,
    ) {}

    async fetch(request: Request): Promise<Response> {
      const job = (await request.json().catch(() => undefined)) as DrainJob | undefined;
      const fn = job && byName.get(job.function);
      if (!job || !fn || !Number.isInteger(job.slot) || typeof job.until !== "number") {
        return Response.json({ error: { code: "bad_drain_job", message: "expected { function, slot, until } naming a function of this Worker" } }, { status: 400 });
      }
      if (this.#busy) return Response.json({ busy: true }, { status: 202 });
      return Response.json(await this.drain(fn, job));
    }

    async alarm(): Promise<void> {
      const job = await this.state.storage.get<DrainJob>("job");
      const fn = job && byName.get(job.function);
      if (job && fn && !this.#busy) await this.drain(fn, job);
    }

    private async drain(fn: PollingFunction, job: DrainJob): Promise<RunReport> {
      this.#busy = true;
      const report = await runFunction(fn, { transport: homeTransport(transport(this.env), fn), vars: this.env, trigger: "cron", slot: job.slot, functions }).finally(() => (this.#busy = false));
      if (report.stopReason === "error") console.error(`cronsumer: ${fn.name} drainer run failed: ${report.error}`);
      if (BUDGET_BOUND.has(report.stopReason) && Date.now() < job.until) {
        await this.state.storage.put("job", job);
        await this.state.storage.setAlarm(Date.now());
      } else {
        await this.state.storage.delete("job");
      }
      return report;
    }
  };
}
