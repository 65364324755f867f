/**
 * Delayed messages of a stream (core/features/delayed.ts):
 * - `GET /streams/:stream/delayed?limit=&cursor=`: how many wait, when the
 *   next is due, and one page in due order, each with its fields (and, for a
 *   parked retry, the deliveries it carries and the group it goes back to). `cursor` is an offset into the
 *   due order: messages promoted between two pages shift it, so a page may
 *   skip some that were just promoted, never one still waiting longer.
 * - `DELETE /streams/:stream/delayed/:id`: cancels one, atomically against
 *   promotion: 200 when it was still waiting, 404 when it never existed or
 *   has already entered the stream.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { cancelOps, decodePayload } from "../../core/features/delayed.js";
import { delayedKey, delayedPayloadsKey } from "../../core/redis/keys.js";
import { op, sendPipeline, sendTransaction } from "../../core/redis/ops.js";
import { int } from "../../core/redis/parse-replies.js";
import { readReentry } from "../../core/features/reentry.js";
import type { Reply } from "../../core/redis/transport.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../router.js";
import { BodyView, bodyView } from "../body-view.js";
import { errorResponses, json, StreamParams } from "../schemas.js";

const Item = z.object({
  id: z.string(),
  dueAt: z.number().int().openapi({ description: "unix ms" }),
  fields: z.record(z.string(), z.string()),
  ...BodyView,
  deliveries: z.number().int().optional().openapi({ description: "A parked retry only: deliveries it already had" }),
  group: z.string().optional().openapi({ description: "A parked retry only: the one group it goes back to" }),
});
const Page = z
  .object({
    count: z.number().int(),
    nextDueAt: z.number().int().nullable(),
    items: z.array(Item),
    next: z.string().optional().openapi({ description: "Pass as `cursor` for the next page; absent after the last" }),
  })
  .openapi("DelayedPage");

const listRoute = createRoute({
  method: "get",
  path: "/streams/{stream}/delayed",
  tags: ["messages"],
  summary: "Delayed messages waiting to enter the stream, in due order",
  request: {
    params: StreamParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100).openapi({ param: { name: "limit", in: "query" } }),
      cursor: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).openapi({ param: { name: "cursor", in: "query" }, description: "The previous page's `next`" }),
    }),
  },
  responses: { 200: json(Page, "Count, next due time and one page"), ...errorResponses(400, 404, 502) },
});

const cancelRoute = createRoute({
  method: "delete",
  path: "/streams/{stream}/delayed/{id}",
  tags: ["messages"],
  summary: "Cancel one delayed message before it is due",
  request: { params: StreamParams.extend({ id: z.string().min(1).max(256).openapi({ param: { name: "id", in: "path" } }) }) },
  responses: { 200: json(z.object({ id: z.string(), cancelled: z.literal(true) }), "Cancelled: it will never enter the stream"), ...errorResponses(400, 404, 502) },
});

/** `ZRANGE … WITHSCORES`: [member, score, …] as pairs; the score is an integer due time. */
const withScores = (command: readonly [string, ...(string | number)[]]) =>
  op(command, (r: Reply) => {
    const flat = Array.isArray(r) ? r : [];
    const pairs: { id: string; dueAt: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push({ id: String(flat[i]), dueAt: Number(flat[i + 1]) });
    return pairs;
  });

export const delayed = createRouter()
  .openapi(listRoute, async (c) => {
    const { stream } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    c.var.catalog.requireSource(stream);
    const key = delayedKey(stream);
    const [count, first, page] = await sendPipeline(c.var.redis(), [
      op(["ZCARD", key], (r) => int("ZCARD", r)),
      withScores(["ZRANGE", key, 0, 0, "WITHSCORES"]),
      withScores(["ZRANGE", key, cursor, cursor + limit - 1, "WITHSCORES"]),
    ] as const);
    const [payloads] =
      page.length === 0 ? [[] as Reply[]] : await sendPipeline(c.var.redis(), [op(["HMGET", delayedPayloadsKey(stream), ...page.map((p) => p.id)], (r) => (Array.isArray(r) ? r : []))] as const);
    // A payload gone between the two requests was promoted or cancelled meanwhile: left out.
    const items = page.flatMap(({ id, dueAt }, i) => {
      const payload = payloads[i];
      if (typeof payload !== "string") return [];
      const { fields, prior, group } = readReentry(decodePayload(payload));
      return [{ id, dueAt, fields, ...bodyView(c.var.catalog.payloadOf(stream), fields), ...(prior > 0 ? { deliveries: prior } : {}), ...(group === undefined ? {} : { group }) }];
    });
    const next = cursor + limit < count ? { next: String(cursor + limit) } : {};
    return c.json({ count, nextDueAt: first[0]?.dueAt ?? null, items, ...next }, 200);
  })
  .openapi(cancelRoute, async (c) => {
    const { stream, id } = c.req.valid("param");
    c.var.catalog.requireSource(stream);
    const [removed] = await sendTransaction(c.var.redis(), cancelOps(stream, id));
    if (!removed) throw new ApiError(404, "delayed_not_found", `${JSON.stringify(stream)} has no delayed message ${JSON.stringify(id)}: it never existed, was cancelled, or has entered the stream`);
    return c.json({ id, cancelled: true as const }, 200);
  });
