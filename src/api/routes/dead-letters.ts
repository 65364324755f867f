/**
 * Dead letters: `GET /streams/:stream/dead-letters` pages through a
 * dead-letter stream (`:stream` names it, or a stream whose functions
 * dead-letter to it), and `POST …/dead-letters/replay` moves messages back
 * onto their source streams (see `replay.ts`).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { xrange } from "../../core/commands.js";
import { parseDeadLetter } from "../../core/dead-letter.js";
import { sendPipeline } from "../../core/ops.js";
import { nextStreamId } from "../../core/stream-id.js";
import { jsonBody } from "../json-body.js";
import { MAX_REPLAY, replay } from "../replay.js";
import { createRouter } from "../router.js";
import { errorResponses, Fields, json, jsonRequest, PageQuery, StreamId, StreamParams } from "../schemas.js";

const DeadLetter = z
  .object({
    id: z.string().openapi({ description: "Id in the dead-letter stream" }),
    originalId: z.string(),
    stream: z.string().openapi({ description: "The source stream it came from" }),
    group: z.string(),
    function: z.string(),
    deliveries: z.number().int(),
    error: z.string(),
    failedAt: z.string(),
    fields: Fields,
  })
  .openapi("DeadLetter");

const Malformed = z
  .object({ id: z.string(), malformed: z.literal(true), fields: Fields.nullable() })
  .openapi("MalformedDeadLetter", { description: "An entry not in cronsumer's dead-letter format; it cannot be replayed" });

const listRoute = createRoute({
  method: "get",
  path: "/streams/{stream}/dead-letters",
  tags: ["dead letters"],
  summary: "One page of dead letters",
  request: { params: StreamParams, query: PageQuery },
  responses: {
    200: json(z.object({ deadLetterStream: z.string(), entries: z.array(z.union([DeadLetter, Malformed])), next: z.string().nullable() }), "One page"),
    ...errorResponses(400, 404, 502),
  },
});

const AllGroups = z
  .boolean()
  .default(false)
  .openapi({ description: "Deliver to every group of the stream; by default only the group that failed the message gets it again" });

const ReplayBody = z
  .union([
    z.object({ ids: z.array(StreamId).min(1).max(MAX_REPLAY).openapi({ description: "Dead-letter ids to replay" }), allGroups: AllGroups }).strict(),
    z
      .object({
        all: z.literal(true),
        limit: z.number().int().min(1).max(MAX_REPLAY).default(100).openapi({ description: "Replay at most this many, oldest first" }),
        allGroups: AllGroups,
      })
      .strict(),
  ], { error: 'send {"ids": ["<dead-letter id>", …]} or {"all": true, "limit": <1 to 1000>}, optionally with "allGroups": true' })
  .openapi("ReplayRequest");

const replayRoute = createRoute({
  method: "post",
  path: "/streams/{stream}/dead-letters/replay",
  tags: ["dead letters"],
  summary: "Move dead letters back onto their source streams",
  description:
    "Each message is XADDed to its source stream (new id, original fields) for the group that failed it only (or every group with allGroups), " +
    "then XDELed from the dead-letter stream once its XADD succeeded. A failed XADD leaves it in the dead-letter stream (409 replay_target_unwritable). " +
    "Unknown ids answer 404 and nothing moves. See the README for what an interrupted replay leaves.",
  middleware: [jsonBody()] as const,
  request: { params: StreamParams, ...jsonRequest(ReplayBody) },
  responses: {
    200: json(
      z.object({ replayed: z.array(z.object({
            deadLetterId: z.string(),
            originalId: z.string(),
            stream: z.string(),
            group: z.string().nullable().openapi({ description: "The only group it is delivered to; null with allGroups" }),
            newId: z.string(),
          })) }).openapi("ReplayResult"),
      "Replayed, oldest first",
    ),
    ...errorResponses(400, 404, 409, 413, 415, 422, 502, 503),
  },
});

export const deadLetters = createRouter()
  .openapi(listRoute, async (c) => {
    const { stream } = c.req.valid("param");
    const { start, count } = c.req.valid("query");
    const dlq = c.var.catalog.deadLetterStreamFor(stream);
    const [found] = await sendPipeline(c.var.redis(), [xrange(dlq, start, "+", count + 1)] as const);
    const page = found.slice(0, count);
    const next = found.length > count ? nextStreamId(page[page.length - 1]!.id) : null;
    const entries = page.map((e) => parseDeadLetter(e) ?? { id: e.id, malformed: true as const, fields: e.fields });
    return c.json({ deadLetterStream: dlq, entries, next }, 200);
  })
  .openapi(replayRoute, async (c) => {
    const { stream } = c.req.valid("param");
    const body = c.req.valid("json");
    const dlq = c.var.catalog.deadLetterStreamFor(stream);
    const selection = "ids" in body ? { ids: body.ids, allGroups: body.allGroups } : { limit: body.limit, allGroups: body.allGroups };
    return c.json({ replayed: await replay(c.var.redis(), c.var.catalog, dlq, selection) }, 200);
  });
