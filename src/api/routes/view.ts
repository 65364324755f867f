/**
 * `GET /functions/:name/view`: everything one view of the console shows, in
 * one pipeline (one request to Redis), so a refresh costs one request.
 *
 * - The sidebar, for every function: XINFO GROUPS of its stream (pending and
 *   lag of its group), XLEN of its dead-letter stream, its pause gate (GET),
 *   and its newest run report (LRANGE 0 0). Four commands a function, and one
 *   more per lane past the first: with priority lanes, pending and lag are
 *   summed over every lane's stream.
 * - The function shown: its effective options (no command) and, on the
 *   Overview and Runs tabs, XLEN of its stream (of each lane's), its stored
 *   reports, its backlog samples and XINFO CONSUMERS of its group (the
 *   warnings). Its newest report comes from the stored ones, so it costs at
 *   most 7 (plus one per extra lane); `overview.lanes` lists each lane.
 *
 * Lists (pending, delayed, dead letters) come from their own routes, read
 * only while their tab is open. Nothing here writes.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { PollingFunction } from "../../core/define/define.js";
import { xinfoConsumers, xinfoGroups, xlen } from "../../core/redis/commands.js";
import { REPORTS_KEPT, reportsKey, samplesKey } from "../../core/redis/keys.js";
import { lrangeOp } from "../../core/redis/list-ops.js";
import type { Op, Settled } from "../../core/redis/ops.js";
import { pipelineSettled } from "../../core/redis/ops.js";
import { pauseStateOp, readPauseState } from "../../core/features/pause.js";
import type { GroupInfo } from "../../core/redis/parse-replies.js";
import type { RunReport } from "../../core/features/report.js";
import { limitsFromEnv } from "../limits.js";
import { orMissing } from "../redis-errors.js";
import { createRouter } from "../router.js";
import type { Sample } from "../series.js";
import { parseSample, perMinute } from "../series.js";
import { warnings } from "../warnings.js";
import { errorResponses, FunctionParams, json } from "../schemas.js";
import { describe, parseReports } from "./functions.js";
import { lanesView, readStreams } from "../lane-target.js";

const TABS = ["overview", "pending", "delayed", "dead-letters", "runs", "settings"] as const;
const Loose = z.record(z.string(), z.unknown());

const route = createRoute({
  method: "get",
  path: "/functions/{name}/view",
  tags: ["functions"],
  summary: "One view of the console in one Redis request: the sidebar of every function, and the function shown",
  request: {
    params: FunctionParams,
    query: z.object({
      tab: z.enum(TABS).default("overview").openapi({ param: { name: "tab", in: "query" }, description: "Overview and Runs add the stats, reports and samples; the other tabs read only the sidebar" }),
      minutes: z.coerce.number().int().min(1).max(1440).default(1440).openapi({ param: { name: "minutes", in: "query" }, description: "Backlog samples returned (one a minute at most)" }),
    }),
  },
  responses: {
    200: json(
      z.object({
        now: z.number().int(),
        sidebar: z.array(Loose).openapi({ description: "Every function: state, backlog, pending, lag, dead letters, warning" }),
        function: Loose.openapi({ description: "As in GET /functions, with `recentRuns` (Overview and Runs tabs only)" }),
        overview: Loose.nullable().openapi({ description: "Stream length, groups, consumers and the series (as GET /functions/{name}/series); null on the other tabs" }),
      }).openapi("View"),
      "The view",
    ),
    ...errorResponses(400, 404, 502),
  },
});

const sidebarOps = (fn: PollingFunction, dlq: string, withNewest: boolean): Op<unknown>[] => [
  ...readStreams(fn).map(xinfoGroups), xlen(dlq), pauseStateOp(fn.stream, fn.group), ...(withNewest ? [lrangeOp(reportsKey(fn.name), 0, 0)] : []),
];

type State = "running" | "paused" | "failing" | "skipped" | "misconfigured";

/** The function's group on each stream it reads (one, or each lane's), summed: what is pending and not yet read across its lanes. */
function groupOver(fn: PollingFunction, perStream: readonly (GroupInfo[] | undefined)[]): Pick<GroupInfo, "pending" | "lag"> | undefined {
  const found = perStream.map((groups) => groups?.find((x) => x.name === fn.group)).filter((g): g is GroupInfo => g !== undefined);
  if (found.length === 0) return undefined;
  return { pending: found.reduce((n, g) => n + g.pending, 0), lag: found.some((g) => g.lag === null) ? null : found.reduce((n, g) => n + g.lag!, 0) };
}

function sidebarRow(fn: PollingFunction, info: ReturnType<typeof describe>, perStream: readonly (GroupInfo[] | undefined)[], dead: number, paused: boolean, newest: RunReport | undefined) {
  const g = groupOver(fn, perStream);
  const failing = newest?.stopReason === "error";
  const state: State = info.error ? "misconfigured" : info.skipped ? "skipped" : paused ? "paused" : failing ? "failing" : "running";
  const warning = info.error ?? (failing ? `last run failed: ${newest?.error ?? "error"}` : dead > 0 ? `${dead} dead letter${dead === 1 ? "" : "s"}` : null);
  return {
    name: fn.name, stream: fn.stream, group: fn.group, state, paused, pending: g?.pending ?? 0, lag: g?.lag ?? null,
    backlog: (g?.pending ?? 0) + (g?.lag ?? 0), deadLetters: dead, warning, lastRunAt: newest?.startedAt ?? null,
  };
}

export const view = createRouter().openapi(route, async (c) => {
  const { catalog } = c.var;
  const shown = catalog.functionNamed(c.req.valid("param").name);
  const { tab, minutes } = c.req.valid("query");
  const rich = tab === "overview" || tab === "runs";
  const fns = catalog.functions;
  const ops: Op<unknown>[] = fns.flatMap((fn) => sidebarOps(fn, catalog.deadLetterStream(fn), !(rich && fn === shown)));
  const extraAt = ops.length;
  const shownStreams = readStreams(shown);
  if (rich) ops.push(xlen(shown.stream), lrangeOp(reportsKey(shown.name), 0, REPORTS_KEPT - 1), lrangeOp(samplesKey(shown.name), 0, minutes - 1), xinfoConsumers(shown.stream, shown.group), ...(shown.options.lanes ? shownStreams.map(xlen) : []));
  const got = await pipelineSettled(c.var.redis(), ops);
  const now = Date.now();
  const reports = rich ? parseReports((orMissing(got[extraAt + 1] as Settled<string[]>) ?? [])) : [];

  let at = 0;
  let shownInfo: Record<string, unknown> = {};
  let shownGroups: (GroupInfo[] | undefined)[] = [];
  const sidebar = fns.map((fn) => {
    const dlq = catalog.deadLetterStream(fn);
    const perStream = readStreams(fn).map(() => orMissing(got[at++] as Settled<GroupInfo[]>));
    const dead = orMissing(got[at++] as Settled<number>) ?? 0;
    const pause = readPauseState(got[at++] as Settled<{ paused: boolean; pausedAt?: number }>);
    const withNewest = !(rich && fn === shown);
    const newest = withNewest ? parseReports(orMissing(got[at++] as Settled<string[]>) ?? [])[0] : reports[0];
    const info = describe(fn, fns, c.env, dlq, []);
    if (fn === shown) {
      shownInfo = { ...info, ...pause, recentRuns: reports, deadLetterCount: dead };
      shownGroups = perStream;
    }
    return sidebarRow(fn, info, perStream, dead, pause.paused, newest);
  });

  let overview: Record<string, unknown> | null = null;
  if (rich) {
    const samples = (orMissing(got[extraAt + 2] as Settled<string[]>) ?? []).map(parseSample).filter((s): s is Sample => s !== null);
    const length = orMissing(got[extraAt] as Settled<number>) ?? 0;
    const consumers = orMissing(got[extraAt + 3] as Settled<{ name: string; pending: number; idleMs: number }[]>) ?? [];
    const groups = shownGroups[shownStreams.indexOf(shown.stream)] ?? [];
    // As the backlog samples are taken: on the function's own stream (with lanes, `lanes` has each).
    const g = groups.find((x) => x.name === shown.group);
    const current: Sample | null = g ? { t: now, pending: g.pending, lag: g.lag, length } : null;
    const found = warnings({ consumers, staleAfterMs: limitsFromEnv(c.env).staleConsumerMs, reports, samples, growingMs: 10 * 60_000 });
    overview = {
      length, groups, consumers, lanes: lanesOverview(shown, shownGroups, got.slice(extraAt + 4) as Settled<number>[]), staleAfterMs: limitsFromEnv(c.env).staleConsumerMs,
      series: { function: shown.name, now, current, minutes: perMinute(reports), samples: [...samples].reverse(), warnings: found },
    };
  }
  return c.json({ now, sidebar, function: shownInfo, overview }, 200);
});

/** Each lane of the function shown, highest first: its stream, length, and its group's pending and lag there; null without lanes. */
function lanesOverview(fn: PollingFunction, perStream: readonly (GroupInfo[] | undefined)[], lengths: readonly Settled<number>[]) {
  return (
    lanesView(fn)?.map((lane, i) => {
      const g = perStream[i]?.find((x) => x.name === fn.group);
      return { ...lane, length: orMissing(lengths[i]!) ?? 0, pending: g?.pending ?? 0, lag: g ? g.lag : 0 };
    }) ?? null
  );
}
