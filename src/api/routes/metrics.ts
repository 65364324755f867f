/**
 * `GET /metrics`: Prometheus text, read in one pipeline. Per function's
 * stream and group: length, pending, lag, consumers and the idle time of the
 * oldest pending entry (a function with priority lanes: per lane's stream); per dead-letter stream its length; per function the
 * work of its recent stored runs.
 *
 * The run figures are sums over the last 20 stored reports, which fall as
 * old reports roll off, so they are gauges, not counters: `rate()` on them
 * would be wrong. Groups that do not exist yet have no samples.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { xinfoGroups, xlen, xpendingRange } from "../../core/redis/commands.js";
import type { PollingFunction } from "../../core/define/define.js";
import { reportsKey } from "../../core/redis/keys.js";
import { lrangeOp } from "../../core/redis/list-ops.js";
import type { Op, Settled } from "../../core/redis/ops.js";
import { pipelineSettled } from "../../core/redis/ops.js";
import type { GroupInfo, PendingEntry } from "../../core/redis/parse-replies.js";
import { RedisReplyError } from "../../core/redis/errors.js";
import type { Catalog } from "../catalog.js";
import { readStreams } from "../lane-target.js";
import { isMissingKey } from "../redis-errors.js";
import type { Metric } from "../prometheus.js";
import { exposition, PROMETHEUS_CONTENT_TYPE } from "../prometheus.js";
import { createRouter } from "../router.js";
import { errorResponses } from "../schemas.js";
import { parseReports, RECENT_REPORTS } from "./functions.js";

const route = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["operations"],
  summary: "Prometheus metrics (text exposition 0.0.4)",
  responses: {
    200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses(502),
  },
});

const RUN_FIGURES = [
  ["read", "read", "New messages read"],
  ["acked", "acked", "Messages acknowledged"],
  ["retried", "retried", "Failed attempts scheduled for retry"],
  ["dead_lettered", "deadLettered", "Messages moved to the dead-letter stream"],
  ["requests", "requests", "HTTP requests to Redis"],
  ["commands", "commands", "Redis commands sent (what Upstash bills)"],
] as const;

const gauge = (name: string, help: string): Metric => ({ name: `cronsumer_${name}`, help, type: "gauge", samples: [] });

/** A missing stream reads as empty; any other error fails the scrape. */
function value<T>(s: Settled<T>, empty: T): T {
  if (s.ok) return s.value;
  if (isMissingKey(s.error) || s.error.startsWith("NOGROUP")) return empty;
  throw new RedisReplyError(s.error);
}

export const metrics = createRouter().openapi(route, async (c) => {
  const catalog: Catalog = c.var.catalog;
  const fns = catalog.functions;
  // Each stream a function reads with its group: its own, or each lane's.
  const reads = fns.flatMap((fn) => readStreams(fn).map((stream) => ({ fn, stream })));
  const streams = [...new Set(reads.map((r) => r.stream))];
  const dlqs = [...new Set(fns.map((f) => catalog.deadLetterStream(f)))];
  const ops: Op<unknown>[] = [
    ...streams.flatMap((s) => [xlen(s), xinfoGroups(s)]),
    ...reads.map(({ fn, stream }) => xpendingRange(stream, fn.group, { count: 1 })),
    ...dlqs.map((d) => xlen(d)),
    ...fns.map((f) => lrangeOp(reportsKey(f.name), 0, RECENT_REPORTS - 1)),
  ];
  const results = ops.length === 0 ? [] : await pipelineSettled(c.var.redis(), ops);
  let at = 0;
  const next = <T>(empty: T): T => value(results[at++] as Settled<T>, empty);

  const m = {
    length: gauge("stream_length", "Entries in the stream (XLEN)"),
    pending: gauge("group_pending", "Entries delivered to the group and not yet acknowledged"),
    lag: gauge("group_lag", "Entries not yet delivered to the group (absent when Redis cannot tell)"),
    consumers: gauge("group_consumers", "Consumers in the group"),
    idle: gauge("group_oldest_pending_idle_ms", "Idle time of the group's lowest-id pending entry, in ms (0 when none)"),
    dlq: gauge("dead_letter_length", "Entries in the dead-letter stream"),
    runs: gauge("recent_runs", `Run reports stored for the function (at most ${RECENT_REPORTS} counted)`),
  };
  const figures = RUN_FIGURES.map(([name, , help]) => gauge(`recent_${name}`, `${help}, summed over the function's last ${RECENT_REPORTS} stored run reports`));

  const groupsOf = new Map<string, GroupInfo[]>();
  for (const stream of streams) {
    m.length.samples.push({ labels: { stream }, value: next(0) });
    groupsOf.set(stream, next<GroupInfo[]>([]));
  }
  for (const { fn, stream } of reads) {
    const oldest = next<PendingEntry[]>([]);
    const g = groupsOf.get(stream)!.find((x) => x.name === fn.group);
    if (!g) continue;
    const labels = { function: fn.name, stream, group: fn.group };
    m.pending.samples.push({ labels, value: g.pending });
    if (g.lag !== null) m.lag.samples.push({ labels, value: g.lag });
    m.consumers.samples.push({ labels, value: g.consumers });
    m.idle.samples.push({ labels, value: oldest[0]?.idleMs ?? 0 });
  }
  for (const stream of dlqs) m.dlq.samples.push({ labels: { stream }, value: next(0) });
  for (const fn of fns) runFigures(fn, next<string[]>([]), m.runs, figures);

  return c.text(exposition([...Object.values(m), ...figures]), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
});

function runFigures(fn: PollingFunction, raw: string[], runs: Metric, figures: Metric[]): void {
  const reports = parseReports(raw);
  const labels = { function: fn.name };
  runs.samples.push({ labels, value: reports.length });
  RUN_FIGURES.forEach(([, key], i) => figures[i]!.samples.push({ labels, value: reports.reduce((n, r) => n + (Number(r[key]) || 0), 0) }));
}
