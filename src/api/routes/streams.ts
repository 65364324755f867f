/**
 * Stream monitoring, the seed's XINFO checks: `GET /streams/:stream` (length
 * and ids) and `GET /streams/:stream/groups` (per group: consumers, pending,
 * lag). A configured stream that does not exist yet answers as empty.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { xinfoGroups, xinfoStream } from "../../core/redis/commands.js";
import { sendPipeline } from "../../core/redis/ops.js";
import { orIfMissing } from "../redis-errors.js";
import { createRouter } from "../router.js";
import { errorResponses, json, StreamParams } from "../schemas.js";

const StreamInfo = z
  .object({
    stream: z.string(),
    exists: z.boolean(),
    length: z.number().int(),
    firstId: z.string().nullable(),
    lastId: z.string().nullable(),
    lastGeneratedId: z.string().nullable(),
    groups: z.number().int(),
  })
  .openapi("StreamInfo");

const GroupInfo = z
  .object({
    name: z.string(),
    consumers: z.number().int(),
    pending: z.number().int(),
    lastDeliveredId: z.string(),
    entriesRead: z.number().int().nullable(),
    lag: z.number().int().nullable().openapi({ description: "null when Redis cannot tell (before 7.0, or after deletions)" }),
  })
  .openapi("GroupInfo");

const streamRoute = createRoute({
  method: "get",
  path: "/streams/{stream}",
  tags: ["streams"],
  summary: "Length, first and last ids, and the number of groups (XINFO STREAM)",
  request: { params: StreamParams },
  responses: { 200: json(StreamInfo, "The stream"), ...errorResponses(404, 502) },
});

const groupsRoute = createRoute({
  method: "get",
  path: "/streams/{stream}/groups",
  tags: ["streams"],
  summary: "The stream's consumer groups (XINFO GROUPS)",
  request: { params: StreamParams },
  responses: { 200: json(z.object({ stream: z.string(), groups: z.array(GroupInfo) }), "The groups"), ...errorResponses(404, 502) },
});

export const streams = createRouter()
  .openapi(streamRoute, async (c) => {
    const { stream } = c.req.valid("param");
    c.var.catalog.requireStream(stream);
    const info = await orIfMissing(async () => (await sendPipeline(c.var.redis(), [xinfoStream(stream)] as const))[0], null);
    return c.json(
      {
        stream,
        exists: info !== null,
        length: info?.length ?? 0,
        firstId: info?.firstEntry?.id ?? null,
        lastId: info?.lastEntry?.id ?? null,
        lastGeneratedId: info?.lastGeneratedId ?? null,
        groups: info?.groups ?? 0,
      },
      200,
    );
  })
  .openapi(groupsRoute, async (c) => {
    const { stream } = c.req.valid("param");
    c.var.catalog.requireStream(stream);
    const groups = await orIfMissing(async () => (await sendPipeline(c.var.redis(), [xinfoGroups(stream)] as const))[0], []);
    return c.json({ stream, groups }, 200);
  });
