/**
 * The CPU bench's Worker: `GET /run?stream=&group=&options=<JSON>` makes
 * one run of a no-op polling function with the Worker's own code path
 * (`transportFromEnv`, `runFunction`) and answers its report. The bench
 * profiles this request through the inspector, so the run's CPU is measured
 * inside workerd, where it is billed. `/record` makes the same run and keeps
 * its HTTP exchanges; `/replay?times=N` replays it N times without the
 * network (replay.ts), which isolates the run's own CPU from the per-request
 * cost of local HTTP. Any route with `engine=folded` runs the bench's
 * baseline instead (folded.ts), a minimal loop through the same client, with
 * the options' `batchSize` and `maxMessages`. Functions are defined once per
 * configuration, as a Worker defines them at module scope.
 */
import type { Env } from "../../../src/env.js";
import type { PollingFunction } from "./engine.js";
import { baselineRun, definePollingFunction, runFunction, transportFromEnv } from "./engine.js";
import type { Recording } from "./replay.js";
import { installBenchFetch, record, replay } from "./replay.js";

installBenchFetch();
/** The last recorded run, per query, for `/replay`. */
const recorded = new Map<string, Recording>();

const defined = new Map<string, PollingFunction>();

function functionFor(q: URLSearchParams): PollingFunction {
  const key = q.toString();
  let fn = defined.get(key);
  if (!fn) {
    const extra = JSON.parse(q.get("options") ?? "{}") as Record<string, unknown>;
    fn = definePollingFunction({
      name: q.get("name") ?? "cpu-bench",
      stream: q.get("stream")!,
      group: q.get("group")!,
      crons: ["* * * * *"],
      options: { startId: "0", ...extra },
      handle: async () => {},
    });
    defined.set(key, fn);
  }
  return fn;
}

function engineRun(q: URLSearchParams, env: Env): () => Promise<unknown> {
  const fn = functionFor(q);
  return () => runFunction(fn, { transport: transportFromEnv(env), vars: env, trigger: "manual" });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const baseline = url.searchParams.get("engine") === "folded" ? baselineRun(url.searchParams, env) : undefined;
    if (url.searchParams.has("engine") && !baseline) return new Response("this bench Worker has no folded loop", { status: 400 });
    const run = baseline ?? engineRun(url.searchParams, env);
    if (url.pathname === "/run") return Response.json(await run());
    if (url.pathname === "/record") {
      const { result, exchanges } = await record(run);
      recorded.set(url.searchParams.get("stream")!, exchanges);
      return Response.json(result);
    }
    if (url.pathname === "/replay") {
      // `times` replays of the recorded run, back to back, inside this one request.
      const exchanges = recorded.get(url.searchParams.get("stream")!);
      if (!exchanges) return new Response("record this stream first", { status: 409 });
      let last: unknown;
      for (let i = 0, n = Number(url.searchParams.get("times") ?? 1); i < n; i++) last = await replay(exchanges, run);
      return Response.json(last ?? {});
    }
    return new Response("not found", { status: 404 });
  },
};
