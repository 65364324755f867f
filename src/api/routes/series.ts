/**
 * `GET /functions/:name/series`: the dashboard's charts and warnings for one
 * function. One pipeline of five commands (its run reports, its backlog
 * samples, XINFO GROUPS, XLEN, XINFO CONSUMERS). It writes nothing: the
 * samples are taken by runs (core/features/backlog-sample.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { xinfoConsumers, xinfoGroups, xlen } from "../../core/redis/commands.js";
import { REPORTS_KEPT, reportsKey, samplesKey } from "../../core/redis/keys.js";
import { lrangeOp } from "../../core/redis/list-ops.js";
import type { Settled } from "../../core/redis/ops.js";
import { pipelineSettled } from "../../core/redis/ops.js";
import { limitsFromEnv } from "../limits.js";
import { orMissing } from "../redis-errors.js";
import { createRouter } from "../router.js";
import type { Sample } from "../series.js";
import { parseSample, perMinute } from "../series.js";
import { warnings } from "../warnings.js";
import { errorResponses, FunctionParams, json } from "../schemas.js";
import { parseReports } from "./functions.js";

const Num = z.number().nullable();
const SampleSchema = z.object({ t: z.number().int(), pending: z.number().int(), lag: Num, length: z.number().int() }).openapi("BacklogSample");

const route = createRoute({
  method: "get",
  path: "/functions/{name}/series",
  tags: ["functions"],
  summary: "Charts and warnings: throughput, cost and latency per minute from run reports; backlog from samples",
  request: {
    params: FunctionParams,
    query: z.object({
      minutes: z.coerce.number().int().min(1).max(1440).default(60).openapi({ param: { name: "minutes", in: "query" }, description: "Backlog samples returned (runs take at most one a minute)" }),
      growingMinutes: z.coerce.number().int().min(1).max(1440).default(10).openapi({
        param: { name: "growingMinutes", in: "query" },
        description: "Warn when the backlog kept growing for at least this long",
      }),
    }),
  },
  responses: {
    200: json(
      z.object({
        function: z.string(),
        now: z.number().int(),
        current: SampleSchema.nullable().openapi({ description: "The backlog now; null when the stream or group does not exist yet" }),
        minutes: z.array(z.object({
          t: z.number().int(), runs: z.number().int(), acked: z.number().int(), retried: z.number().int(), deadLettered: z.number().int(),
          commands: z.number().int(), p50: Num, p95: Num, p99: Num,
        })).openapi({ description: "Per minute, oldest first, over the stored run reports (the newest 50 runs that did work)" }),
        samples: z.array(SampleSchema).openapi({ description: "Backlog samples, oldest first" }),
        warnings: z.array(z.object({ kind: z.string(), message: z.string() })),
      }).openapi("Series"),
      "The series",
    ),
    ...errorResponses(400, 404, 502),
  },
});

export const series = createRouter().openapi(route, async (c) => {
  const fn = c.var.catalog.functionNamed(c.req.valid("param").name);
  const { minutes, growingMinutes } = c.req.valid("query");
  const t = c.var.redis();
  const [reportsRaw, samplesRaw, groups, length, consumers] = await pipelineSettled(t, [
    lrangeOp(reportsKey(fn.name), 0, REPORTS_KEPT - 1),
    lrangeOp(samplesKey(fn.name), 0, minutes - 1),
    xinfoGroups(fn.stream),
    xlen(fn.stream),
    xinfoConsumers(fn.stream, fn.group),
  ] as const);
  const reports = parseReports(orMissing(reportsRaw) ?? []);
  const samples = (orMissing(samplesRaw) ?? []).map(parseSample).filter((s): s is Sample => s !== null);
  const group = orMissing(groups)?.find((g) => g.name === fn.group);
  const now = Date.now();
  const current: Sample | null = group ? { t: now, pending: group.pending, lag: group.lag, length: orMissing(length) ?? 0 } : null;
  const found = warnings({
    consumers: orMissing(consumers) ?? [],
    staleAfterMs: limitsFromEnv(c.env).staleConsumerMs,
    reports,
    samples,
    growingMs: growingMinutes * 60_000,
  });
  return c.json({ function: fn.name, now, current, minutes: perMinute(reports), samples: [...samples].reverse(), warnings: found }, 200);
});
