/**
 * A group's consumers: `GET …/consumers` lists them with the seed's
 * "consumer may be dead" check (`stale`: idle past STALE_CONSUMER_MS while
 * holding pending entries), and `DELETE …/consumers/:consumer` deletes one
 * without losing its pending entries (see core/dead-letters/safe-delete-consumer.ts).
 * A function's own pool names are refused: its runs reuse them every tick,
 * so a delete would race a run, and what they hold pending is recovered
 * after the visibility timeout anyway.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { xinfoConsumers } from "../../core/redis/commands.js";
import { consumerName } from "../../core/redis/keys.js";
import { sendPipeline } from "../../core/redis/ops.js";
import type { PollingFunction } from "../../core/define/define.js";
import { resolveOptions } from "../../core/define/define.js";
import type { Vars } from "../../core/define/overrides.js";
import { safeDeleteConsumer } from "../../core/dead-letters/safe-delete-consumer.js";
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
    "XCLAIM … IDLE <its idle time> JUSTID (delivery count and idle time unchanged), and deletes the consumer only once it owns nothing. " +
    "The owning function's own pool consumers (`<function>-<slot>`) answer 409: its runs reuse them every tick, and recover what they hold after the visibility timeout.",
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
    ...errorResponses(400, 404, 409, 500, 502),
  },
});

/** The owning function's pool size, as its runs resolve it (FN_* overrides included when they are valid). */
function poolSize(fn: PollingFunction, env: Vars): number {
  try {
    return resolveOptions(fn, env, 1).consumerPoolSize;
  } catch {
    return resolveOptions(fn, {}, 1).consumerPoolSize;
  }
}

/** Refuses a name the owning function's runs use: deleting it would race them (its pending entries are recovered anyway). */
function refusePoolName(fn: PollingFunction | undefined, env: Vars, consumer: string): void {
  if (!fn) return;
  const pool = poolSize(fn, env);
  for (let slot = 0; slot < pool; slot++) {
    if (consumerName(fn.name, slot) !== consumer) continue;
    throw new ApiError(
      409,
      "consumer_in_use",
      `${JSON.stringify(consumer)} is one of function ${JSON.stringify(fn.name)}'s ${pool} pool consumers: its runs reuse these names every tick, ` +
        "so deleting one would race a run that reads with it; what it holds pending is recovered after the visibility timeout, with nothing to delete",
    );
  }
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
    const given = c.req.valid("query").to;
    if (given === consumer) throw new ApiError(400, "invalid_request", `query parameter "to" must name another consumer than ${JSON.stringify(consumer)}`);
    const fn = c.var.catalog.owner(stream, group);
    refusePoolName(fn, c.env as Vars, consumer);
    if (given === undefined && !fn) throw new ApiError(400, "invalid_request", `say which consumer receives ${JSON.stringify(consumer)}'s pending entries: ?to=<consumer>`);
    // By default the pool's first name: its runs recover the entries after the visibility timeout.
    const to = given ?? consumerName(fn!.name, 0);
    const result = await inGroup(stream, group, () => safeDeleteConsumer(c.var.redis(), { stream, group, consumer, to }));
    if (!result.found) throw new ApiError(404, "consumer_not_found", `group ${JSON.stringify(group)} of ${JSON.stringify(stream)} has no consumer ${JSON.stringify(consumer)}`);
    return c.json({ deleted: true as const, moved: result.moved, to }, 200);
  });
