/**
 * The fan-out bench's partitioned Worker: the public API's createWorker and
 * createDrainer over one function, `payments` partitioned P ways
 * (partitioned.ts), with K parallel runs per member. P and K come from the
 * bindings BENCH_PARTITIONS and BENCH_PARALLEL_RUNS, so one Worker serves
 * every row; the bench starts a fresh stack per row, so each isolate builds
 * its functions once, on its first event.
 */
import type { CronEvent, CronsumerWorker, DrainerClass, DrainerState, Env, PollingFunction, WaitUntil } from "../../../src/index.js";
import { createDrainer, createWorker } from "../../../src/index.js";
import { partitionedPayments } from "./partitioned.js";

let built: { worker: CronsumerWorker; Drainer: DrainerClass } | undefined;

function build(env: Env) {
  if (built) return built;
  const count = Number(env.BENCH_PARTITIONS);
  const parallelRuns = Number(env.BENCH_PARALLEL_RUNS ?? "1");
  // The unexpanded function, as a user's Worker gives it: createWorker and createDrainer expand it into its members.
  const functions: PollingFunction[] = [partitionedPayments(count, parallelRuns)];
  built = { worker: createWorker({ functions }), Drainer: createDrainer({ functions }) };
  return built;
}

export default {
  fetch: (request: Request, env: Env, ctx: WaitUntil) => build(env).worker.fetch(request, env, ctx as never),
  scheduled: (controller: CronEvent, env: Env, ctx: WaitUntil) => build(env).worker.scheduled(controller, env, ctx),
};

/** The Durable Object class fan-out drainers run in; bound as CRONSUMER_DRAINER in this directory's wrangler.toml. */
export class CronsumerDrainer {
  readonly #inner: InstanceType<DrainerClass>;
  constructor(state: DrainerState, env: Env) {
    this.#inner = new (build(env).Drainer)(state, env);
  }
  fetch(request: Request): Promise<Response> {
    return this.#inner.fetch(request);
  }
  alarm(): Promise<void> {
    return this.#inner.alarm();
  }
}
