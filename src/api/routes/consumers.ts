/**
 * A group's consumers: `GET …/consumers` lists them with the seed's
 * "consumer may be dead" check (`stale`: idle past STALE_CONSUMER_MS while
 * holding pending entries), and `DELETE …/consumers/:consumer` deletes one
 * without losing its pending entries (see core/safe-delete-consumer.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { xinfoConsumers } from "../../core/commands.js";
import { consumerName } from "../../core/keys.js";
import { sendPipeline } from "../../core/ops.js";
import { resolveOptions } from "../../core/define.js";
import { safeDeleteConsumer } from "../../core/safe-delete-consumer.js";
import type { Catalog } from "../catalog.js";
import { ApiError } from "../errors.js";
import { limitsFromEnv } from "../limits.js";
import { inGroup } from "../redis-errors.js";
import { createRouter } from "../router.js";
import { ConsumerParams, errorResponses, GroupParams, json } from "../schemas.js";

const ConsumerInfo = z
  .object({
    name: z.string(),
    pending: z.number().int(),
    idleMs: z.number().int(),
    stale: z.boolean().openapi({ description: "Idle longer than STALE_CONSUMER_MS with pending entries: the consumer may be dead" }),
  })
  .openapi("ConsumerInfo");

const listRoute = createRoute({
  method: "get",
  path: "/streams/{stream}/groups/{group}/consumers",
  tags: ["groups"],
  summary: "The group's consumers, with stale ones flagged (XINFO CONSUMERS)",
  request: { params: GroupParams },
  responses: {
    200: json(z.object({ stream: z.string(), group: z.string(), staleAfterMs: z.number().int(), consumers: z.array(ConsumerInfo) }), "The consumers"),
    ...errorResponses(404, 502),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/streams/{stream}/groups/{group}/consumers/{consumer}",
  tags: ["groups"],
  summary: "Delete a consumer after moving its pending entries to another one",
  description:
    "XGROUP DELCONSUMER alone drops the consumer's pending entries: they are never delivered again. This first moves each of them to `to` with " +
    "XCLAIM … IDLE <its idle time> JUSTID (delivery count and idle time unchanged), and deletes the consumer only once it owns nothing.",
  request: {
    params: ConsumerParams,
    query: z.object({
      to: z
        .string()
        .min(1)
        .max(256)
        .optional()
        .openapi({ param: { name: "to", in: "query" }, description: "Receives the pending entries. Default: the owning function's first pool consumer" }),
    }),
  },
  responses: {
    200: json(z.object({ deleted: z.literal(true), moved: z.number().int(), to: z.string() }), "Deleted; `moved` entries now belong to `to`"),
    ...errorResponses(400, 404, 500, 502),
  },
});

/** The owning function's first pool consumer that is not the one being deleted. */
function defaultTarget(catalog: Catalog, stream: string, group: string, consumer: string): string {
  const fn = catalog.owner(stream, group);
  if (fn) {
    const pool = resolveOptions(fn, {}, 1).consumerPoolSize;
    for (let slot = 0; slot < pool; slot++) if (consumerName(fn.name, slot) !== consumer) return consumerName(fn.name, slot);
  }
  throw new ApiError(400, "invalid_request", `say which consumer receives ${JSON.stringify(consumer)}'s pending entries: ?to=<consumer>`);
}

export const consumers = createRouter()
  .openapi(listRoute, async (c) => {
    const { stream, group } = c.req.valid("param");
    c.var.catalog.requireStream(stream);
    const staleAfterMs = limitsFromEnv(c.env).staleConsumerMs;
    const [list] = await inGroup(stream, group, () => sendPipeline(c.var.redis(), [xinfoConsumers(stream, group)] as const));
    const consumers = list.map(({ name, pending, idleMs }) => ({ name, pending, idleMs, stale: pending > 0 && idleMs > staleAfterMs }));
    return c.json({ stream, group, staleAfterMs, consumers }, 200);
  })
  .openapi(deleteRoute, async (c) => {
    const { stream, group, consumer } = c.req.valid("param");
    c.var.catalog.requireStream(stream);
    const to = c.req.valid("query").to ?? defaultTarget(c.var.catalog, stream, group, consumer);
    if (to === consumer) throw new ApiError(400, "invalid_request", `query parameter "to" must name another consumer than ${JSON.stringify(consumer)}`);
    const result = await inGroup(stream, group, () => safeDeleteConsumer(c.var.redis(), { stream, group, consumer, to }));
    if (!result.found) throw new ApiError(404, "consumer_not_found", `group ${JSON.stringify(group)} of ${JSON.stringify(stream)} has no consumer ${JSON.stringify(consumer)}`);
    return c.json({ deleted: true as const, moved: result.moved, to }, 200);
  });
