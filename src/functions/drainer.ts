/**
 * `createDrainer({ functions })`: the Durable Object class fan-out and
 * hand-over send drainers to (fan-out.ts, hand-over.ts). Export it from the
 * Worker's main module under the class name wrangler.toml binds
 * (`CronsumerDrainer`):
 *
 *   export const CronsumerDrainer = createDrainer({ functions });
 *
 * A fan-out request runs one run of the named function with the given slot
 * and answers its report. A hand-over request (`/hand-over`) only stores the
 * job and arms the alarm, so the session handing over waits one round trip.
 * A run that stopped on a budget (messages, subrequests, time, CPU) sets the
 * object's alarm to run again at once, as a fresh invocation with fresh
 * budgets, until the job's window ends; a run that drained stops there,
 * unless a hand-over arrived while it ran (its messages may have been
 * written after that run's last read), or the job's `quietAt` has not come
 * yet (an enqueue under the wake lease may still be uncounted: wake.ts).
 * The class is structural (no `cloudflare:workers` import), so the package
 * loads in Node too.
 */
import { homeTransport } from "../core/partitions/routed-transport.js";
import type { PollingFunction } from "../core/define/define.js";
import type { RunReport } from "../core/features/report.js";
import { runFunction } from "../core/run/run.js";
import type { Env } from "../env.js";
import { checkFunctions } from "./check-functions.js";
import type { WorkerOptions } from "./create-worker.js";
import type { DrainJob } from "./fan-out.js";
import { budgetBound, HAND_OVER_PATH } from "./hand-over.js";
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

export type DrainerClass = new (state: DrainerState, env: Env) => { fetch(request: Request): Promise<Response>; alarm(): Promise<void> };

const validJob = (job: DrainJob | undefined): job is DrainJob =>
  !!job && typeof job.function === "string" && Number.isInteger(job.slot) && typeof job.until === "number" && (job.quietAt === undefined || typeof job.quietAt === "number");

export function createDrainer(options: WorkerOptions): DrainerClass {
  // Fan-out names a partition's member (`<name>-p<i>`), so drainers know members as the tick does.
  const functions = checkFunctions(options.functions);
  const { transport = (env: Env) => transportFromEnv(env, functions) } = options;
  const byName = new Map<string, PollingFunction>(functions.map((f) => [f.name, f]));
  return class CronsumerDrainer {
    /** One run at a time per drainer, so overlapping ticks never hold more than `maxParallelRuns` runs. */
    #busy = false;
    /** A job that arrived while a run was going: run once more after it. */
    #again: DrainJob | undefined;

    constructor(
      private readonly state: DrainerState,
      private readonly env: Env,
    ) {}

    async fetch(request: Request): Promise<Response> {
      const job = (await request.json().catch(() => undefined)) as DrainJob | undefined;
      const fn = validJob(job) ? byName.get(job.function) : undefined;
      if (!job || !fn) {
        return Response.json({ error: { code: "bad_drain_job", message: "expected { function, slot, until, quietAt? } naming a function of this Worker" } }, { status: 400 });
      }
      if (new URL(request.url).pathname === HAND_OVER_PATH) return this.arm(job);
      if (this.#busy) return Response.json({ busy: true }, { status: 202 });
      return Response.json(await this.drain(fn, job));
    }

    async alarm(): Promise<void> {
      const job = await this.state.storage.get<DrainJob>("job");
      const fn = job && byName.get(job.function);
      if (!job || !fn) return;
      if (this.#busy) this.#again = later(this.#again, job);
      else await this.drain(fn, job);
    }

    /** Keeps the job and wakes the object at once; a drain going on now runs again when it ends. */
    private async arm(job: DrainJob): Promise<Response> {
      const kept = later(await this.state.storage.get<DrainJob>("job"), job);
      if (this.#busy) this.#again = later(this.#again, kept);
      await this.state.storage.put("job", kept);
      await this.state.storage.setAlarm(Date.now());
      return Response.json({ armed: true }, { status: 202 });
    }

    private async drain(fn: PollingFunction, job: DrainJob): Promise<RunReport> {
      this.#busy = true;
      this.#again = undefined;
      const report = await runFunction(fn, { transport: homeTransport(transport(this.env), fn), vars: this.env, trigger: "cron", slot: job.slot, functions }).finally(() => (this.#busy = false));
      if (report.stopReason === "error") console.error(`cronsumer: ${fn.name} drainer run failed: ${report.error}`);
      const now = Date.now();
      const next = this.#again ? later(job, this.#again) : job;
      this.#again = undefined;
      if (next !== job || (budgetBound(report) && now < job.until)) {
        await this.state.storage.put("job", next);
        await this.state.storage.setAlarm(now);
      } else if (next.quietAt !== undefined && now < next.quietAt) {
        // Drained before the wake lease ended: one more read after it, as the session would have made.
        await this.state.storage.put("job", next);
        await this.state.storage.setAlarm(next.quietAt);
      } else {
        await this.state.storage.delete("job");
      }
      return report;
    }
  };
}

/** Two jobs of one drainer as one: the newer slot, the later window and quiet time. */
function later(a: DrainJob | undefined, b: DrainJob): DrainJob {
  if (!a || a.function !== b.function) return b;
  const quietAt = Math.max(a.quietAt ?? -Infinity, b.quietAt ?? -Infinity);
  return { function: b.function, slot: b.slot, until: Math.max(a.until, b.until), ...(Number.isFinite(quietAt) ? { quietAt } : {}) };
}
