/**
 * `GET …/groups/:group/pending`: the group's pending summary and one page of
 * its pending entries (XPENDING). `start` is inclusive; `next` is the id to
 * pass as `start` for the following page (the smallest id after this page),
 * or null after the last one, so paging visits every entry exactly once.
 * Each entry carries its last failed attempt's error while it waits for a
 * retry (core/handle/attempt-errors.ts), read with one HMGET for the page.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { lastErrorsOp } from "../../core/handle/attempt-errors.js";
import { xpendingRange, xpendingSummary } from "../../core/redis/commands.js";
import { sendPipeline } from "../../core/redis/ops.js";
import { nextStreamId } from "../../core/redis/stream-id.js";
import { inGroup } from "../redis-errors.js";
import { createRouter } from "../router.js";
import { errorResponses, GroupParams, json, PageQuery } from "../schemas.js";

const PendingPage = z
  .object({
    stream: z.string(),
    group: z.string(),
    summary: z.object({
      count: z.number().int(),
      smallestId: z.string().nullable(),
      largestId: z.string().nullable(),
      consumers: z.array(z.object({ name: z.string(), pending: z.number().int() })),
    }),
    entries: z.array(
      z.object({
        id: z.string(),
        consumer: z.string(),
        idleMs: z.number().int(),
        deliveries: z.number().int(),
        lastError: z
          .object({ attempt: z.number().int(), error: z.string(), at: z.string() })
          .nullable()
          .openapi({ description: "The last failed attempt, while the entry waits for its retry; null when none is recorded" }),
      }),
    ),
    next: z.string().nullable().openapi({ description: "Pass as `start` for the next page; null after the last page" }),
  })
  .openapi("PendingPage");

const route = createRoute({
  method: "get",
  path: "/streams/{stream}/groups/{group}/pending",
  tags: ["groups"],
  summary: "Pending summary and one page of pending entries (XPENDING)",
  request: {
    params: GroupParams,
    query: PageQuery.extend({
      consumer: z.string().min(1).optional().openapi({ param: { name: "consumer", in: "query" }, description: "Only this consumer's entries" }),
      minIdleMs: z.coerce.number().int().min(0).optional().openapi({ param: { name: "minIdleMs", in: "query" }, description: "Only entries idle at least this long" }),
      minDeliveries: z.coerce.number().int().min(1).optional().openapi({
        param: { name: "minDeliveries", in: "query" },
        description: "Only entries delivered at least this often; a page may then hold fewer than `count` entries: follow `next`",
      }),
    }),
  },
  responses: { 200: json(PendingPage, "Summary and one page"), ...errorResponses(400, 404, 502) },
});

export const pending = createRouter().openapi(route, async (c) => {
  const { stream, group } = c.req.valid("param");
  const { start, count, consumer, minIdleMs, minDeliveries = 1 } = c.req.valid("query");
  c.var.catalog.requireStream(stream);
  // One entry past the page tells whether another page follows, without an empty last page.
  const [summary, found] = await inGroup(stream, group, () =>
    sendPipeline(c.var.redis(), [xpendingSummary(stream, group), xpendingRange(stream, group, { start, count: count + 1, consumer, minIdleMs })] as const),
  );
  const read = found.slice(0, count);
  const next = found.length > count ? nextStreamId(read[read.length - 1]!.id) : null;
  // XPENDING cannot filter by deliveries: the page read is filtered, and `next` still follows the read.
  const page = read.filter((e) => e.deliveries >= minDeliveries);
  const [lastErrors] = page.length === 0 ? [[]] : await sendPipeline(c.var.redis(), [lastErrorsOp(stream, group, page.map((e) => e.id))] as const);
  const entries = page.map((e, i) => ({ ...e, lastError: lastErrors[i] ?? null }));
  return c.json({ stream, group, summary, entries, next }, 200);
});
