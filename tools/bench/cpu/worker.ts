/**
 * The CPU bench's Worker: `GET /run?stream=&group=&options=<JSON>` makes
 * one run of a no-op polling function with the Worker's own code path
 * (`transportFromEnv`, `runFunction`) and answers its report. The bench
 * profiles this request through the inspector, so the run's CPU is measured
 * inside workerd, where it is billed. Functions are defined once per
 * configuration, as a Worker defines them at module scope.
 */
import { definePollingFunction } from "../../../src/core/define.js";
import type { PollingFunction } from "../../../src/core/define.js";
import { runFunction } from "../../../src/core/run.js";
import type { Env } from "../../../src/env.js";
import { transportFromEnv } from "../../../src/functions/redis.js";

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

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname !== "/run") return new Response("not found", { status: 404 });
    const report = await runFunction(functionFor(url.searchParams), { transport: transportFromEnv(env), vars: env, trigger: "manual" });
    return Response.json(report);
  },
};
