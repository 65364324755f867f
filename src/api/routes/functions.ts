/**
 * `GET /functions`: each function as this deployment runs it (options after
 * `FN_*` overrides, the vars that applied, why it is skipped) with its recent
 * run reports. `POST /functions/:name/run`: one run now, through the same
 * code path as a cron tick (`runOne`), answering its report. A partitioned
 * function's own name runs every member and answers each member's report.
 */
import { homeTransport } from "../../core/partitions/routed-transport.js";
import { createRoute, z } from "@hono/zod-openapi";
import type { PollingFunction } from "../../core/define/define.js";
import { resolveOptions } from "../../core/define/define.js";
import { reportsKey } from "../../core/redis/keys.js";
import { lrangeOp } from "../../core/redis/list-ops.js";
import { pipelineSettled, sendPipeline } from "../../core/redis/ops.js";
import { pauseStateOp, readPauseState } from "../../core/features/pause.js";
import { applyOverrides, unknownOverrides } from "../../core/define/overrides.js";
import type { RunReport } from "../../core/features/report.js";
import type { Env } from "../../env.js";
import { runFunction } from "../../core/run/run.js";
import type { Transport } from "../../core/redis/transport.js";
import { runOne } from "../../functions/scheduled.js";
import { targetsOf } from "../function-targets.js";
import { lanesView } from "../lane-target.js";
import { createRouter } from "../router.js";
import { errorResponses, FunctionParams, json } from "../schemas.js";

/** Reports listed per function, newest first. */
export const RECENT_REPORTS = 20;

const Report = z.record(z.string(), z.unknown()).openapi("RunReport", { description: "A run report (see core/features/report.ts): counts, cost and stop reason" });

const FunctionInfo = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    stream: z.string(),
    group: z.string(),
    deadLetterStream: z.string(),
    crons: z.array(z.string()),
    options: z.record(z.string(), z.unknown()).nullable().openapi({ description: "Effective options; null when an FN_* var is invalid (see `error`)" }),
    overrides: z.array(z.string()).openapi({ description: "FN_* vars that applied" }),
    unknownOverrides: z.array(z.string()).openapi({ description: "FN_<NAME>_* vars that match no option: probably typos" }),
    skipped: z.string().nullable(),
    error: z.string().nullable(),
    recentRuns: z.array(Report),
    paused: z.boolean().openapi({ description: "True while paused (POST /functions/{name}/pause): its runs read and claim nothing" }),
    pausedAt: z.number().optional().openapi({ description: "When it was paused, unix ms" }),
    partitionOf: z
      .object({ function: z.string(), logical: z.string(), index: z.number().int(), count: z.number().int() })
      .optional()
      .openapi({ description: "A member of a partitioned function only: that function, its logical stream (enqueue there), and which of its `count` partitions this member consumes" }),
    lanes: z
      .array(z.object({ name: z.string(), stream: z.string(), weight: z.number().int(), default: z.boolean() }))
      .optional()
      .openapi({ description: "A function with priority lanes only: each lane, highest first, with the stream it reads (`?priority=<name>` enqueues there) and its weight" }),
  })
  .openapi("FunctionInfo");

const listRoute = createRoute({
  method: "get",
  path: "/functions",
  tags: ["functions"],
  summary: "The configured functions, their effective options and recent runs",
  responses: { 200: json(z.object({ functions: z.array(FunctionInfo) }), "The functions"), ...errorResponses(502) },
});

const runRoute = createRoute({
  method: "post",
  path: "/functions/{name}/run",
  tags: ["functions"],
  summary: "Run a function now, exactly as a cron tick would",
  request: { params: FunctionParams },
  responses: {
    200: json(
      z.union([Report, z.object({ function: z.string(), skipped: z.string() }), z.object({ function: z.string(), members: z.array(Report) })]),
      "The run report, or why the function is skipped; for a partitioned function's name, one of those per member",
    ),
    ...errorResponses(404, 502),
  },
});

/** Functions sharing a cron with `fn` share its subrequests; the busiest of its crons decides. */
function sharers(fn: PollingFunction, all: readonly PollingFunction[], env: Env): number {
  const enabled = all.filter((f) => !f.skipReason?.(env));
  return Math.max(1, ...fn.crons.map((cron) => enabled.filter((f) => f.crons.includes(cron)).length));
}

export function describe(fn: PollingFunction, all: readonly PollingFunction[], env: Env, deadLetterStream: string, reports: string[]) {
  let options: Record<string, unknown> | null = null;
  let overrides: string[] = [];
  let error: string | null = null;
  try {
    const resolved = resolveOptions(fn, env, sharers(fn, all, env));
    overrides = applyOverrides(fn.name, resolved, env).applied;
    options = { ...resolved };
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const base = resolveOptions(fn, {}, 1);
  return {
    name: fn.name,
    description: fn.description ?? null,
    stream: fn.stream,
    group: fn.group,
    deadLetterStream,
    crons: fn.crons,
    options,
    overrides,
    unknownOverrides: unknownOverrides(fn.name, base, env),
    skipped: fn.skipReason?.(env) ?? null,
    error,
    recentRuns: parseReports(reports),
    ...(fn.options.lanes && { lanes: lanesView(fn) }),
    ...(fn.partitionOf && { partitionOf: { function: fn.partitionOf.function, logical: fn.partitionOf.logical, index: fn.partitionOf.index, count: fn.partitionOf.spec.count } }),
  };
}

/** Stored run reports, newest first; one that does not parse is left out. */
export function parseReports(raw: readonly string[]): RunReport[] {
  return raw.flatMap((r) => {
    try {
      return [JSON.parse(r) as RunReport];
    } catch {
      return [];
    }
  });
}

export const functionRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const { functions } = c.var.catalog;
    const reports = functions.length === 0 ? [] : await sendPipeline(c.var.redis(), functions.map((fn) => lrangeOp(reportsKey(fn.name), 0, RECENT_REPORTS - 1)));
    const pauses = functions.length === 0 ? [] : await pipelineSettled(c.var.redis(), functions.map((fn) => pauseStateOp(fn.stream, fn.group)));
    const list = functions.map((fn, i) => ({ ...describe(fn, functions, c.env, c.var.catalog.deadLetterStream(fn), reports[i]!), ...readPauseState(pauses[i]!) }));
    return c.json({ functions: list }, 200);
  })
  .openapi(runRoute, async (c) => {
    const { name } = c.req.valid("param");
    const targets = targetsOf(c.var.catalog, name);
    if ("one" in targets) return c.json((await runOne(targets.one, c.env, c.var.redis(), c.var.catalog.functions)) as unknown as Record<string, unknown>, 200);
    const members = await runMembers(targets.members, c.env, c.var.redis(), c.var.catalog.functions);
    return c.json({ function: name, members: members as unknown as Record<string, unknown>[] }, 200);
  });

/**
 * Every member at once, as a cron tick runs them: they share this request's
 * subrequests, so each gets its share (`sharers`) unless `maxSubrequests` is set.
 */
function runMembers(members: readonly PollingFunction[], env: Env, transport: Transport, functions: readonly PollingFunction[]) {
  const slot = Math.floor(Math.random() * 1_000);
  return Promise.all(
    members.map((fn) => {
      const skipped = fn.skipReason?.(env);
      return skipped ? { function: fn.name, skipped } : runFunction(fn, { transport: homeTransport(transport, fn), vars: env, trigger: "manual", slot, sharers: members.length, functions });
    }),
  );
}
