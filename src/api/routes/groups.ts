/**
 * Group management: `PUT /streams/:stream/groups/:group` creates a group
 * (XGROUP CREATE … MKSTREAM; 201, or 200 when it already exists), and
 * `POST …/setid` moves its last-delivered id (XGROUP SETID): "0" replays the
 * whole stream to the group, "$" skips everything not yet delivered. An id
 * past the stream's last generated id answers 409 (ensure-group.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { xgroupSetId } from "../../core/redis/commands.js";
import { checkWithinStream, ensureGroup, StartBeyondStreamError } from "../../core/features/ensure-group.js";
import { sendPipeline } from "../../core/redis/ops.js";
import { ApiError } from "../errors.js";
import { jsonBody } from "../json-body.js";
import { inGroup } from "../redis-errors.js";
import { createRouter } from "../router.js";
import { errorResponses, GroupParams, GroupPosition, json, jsonRequest } from "../schemas.js";

const Created = z.object({ stream: z.string(), group: z.string(), created: z.boolean(), start: z.string() }).openapi("GroupCreated");

const createGroupRoute = createRoute({
  method: "put",
  path: "/streams/{stream}/groups/{group}",
  tags: ["groups"],
  summary: "Create a consumer group (idempotent)",
  middleware: [jsonBody()] as const,
  request: {
    params: GroupParams,
    ...jsonRequest(z.object({ start: GroupPosition.default("$").openapi({ description: '"$": only new messages; "0": the whole stream; or an id', example: "$" }) })),
  },
  responses: {
    201: json(Created, "Created"),
    200: json(Created, "Already existed; unchanged (`start` is ignored)"),
    ...errorResponses(400, 404, 409, 413, 415, 502),
  },
});

const setIdRoute = createRoute({
  method: "post",
  path: "/streams/{stream}/groups/{group}/setid",
  tags: ["groups"],
  summary: 'Move the group\'s last-delivered id: "0" replays, "$" skips (XGROUP SETID)',
  middleware: [jsonBody()] as const,
  request: {
    params: GroupParams,
    ...jsonRequest(z.object({ id: GroupPosition.openapi({ example: "0" }) })),
  },
  responses: {
    200: json(z.object({ stream: z.string(), group: z.string(), id: z.string() }), "Moved"),
    ...errorResponses(400, 404, 409, 413, 415, 502),
  },
});

/** An id past the stream's last generated id answers 409 `id_beyond_stream`, naming that id; nothing is written. */
async function withinStream<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StartBeyondStreamError) throw new ApiError(409, "id_beyond_stream", error.message);
    throw error;
  }
}

export const groups = createRouter()
  .openapi(createGroupRoute, async (c) => {
    const { stream, group } = c.req.valid("param");
    const { start } = c.req.valid("json");
    c.var.catalog.requireStream(stream);
    const outcome = await withinStream(() => ensureGroup(c.var.redis(), stream, group, start));
    return outcome === "created" ? c.json({ stream, group, created: true, start }, 201) : c.json({ stream, group, created: false, start }, 200);
  })
  .openapi(setIdRoute, async (c) => {
    const { stream, group } = c.req.valid("param");
    const { id } = c.req.valid("json");
    c.var.catalog.requireStream(stream);
    // A missing stream has no group: SETID answers 404 below.
    await withinStream(() => checkWithinStream(c.var.redis(), stream, id, "skip"));
    await inGroup(stream, group, () => sendPipeline(c.var.redis(), [xgroupSetId(stream, group, id)] as const));
    return c.json({ stream, group, id }, 200);
  });
