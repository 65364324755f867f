/**
 * Dead letters: `GET /streams/:stream/dead-letters` pages through a
 * dead-letter stream (`:stream` names it, or a stream whose functions
 * dead-letter to it), and `POST …/dead-letters/replay` moves messages back
 * onto their source streams (see `replay.ts`).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { parseDeadLetter } from "../../core/dead-letters/dead-letter.js";
import { BodyView, deadLetterBodyView } from "../body-view.js";
import { scanMatching, scanPage } from "../dead-letter-scan.js";
import { jsonBody } from "../json-body.js";
import { MAX_REPLAY, replay } from "../replay.js";
import { createRouter } from "../router.js";
import { errorResponses, Fields, FilterFields, fromBeforeTo, json, jsonRequest, PageQuery, StreamId, StreamParams } from "../schemas.js";

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
    ...BodyView,
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
  description:
    "`from`/`to` narrow the range by when entries were dead-lettered (their ids). With `q` or `source`, a page examines at most 1000 entries " +
    "and may hold fewer than `count` matches: follow `next` until it is null.",
  request: { params: StreamParams, query: PageQuery.extend(FilterFields).superRefine(fromBeforeTo) },
  responses: {
    200: json(
      z.object({
        deadLetterStream: z.string(),
        entries: z.array(z.union([DeadLetter, Malformed])),
        next: z.string().nullable(),
        scanned: z.number().int().openapi({ description: "Entries examined for this page" }),
      }),
      "One page",
    ),
    ...errorResponses(400, 404, 502),
  },
});

const AllGroups = z
  .boolean()
  .default(false)
  .openapi({ description: "Deliver to every group of the stream; by default only the group that failed the message gets it again" });

const Match = z
  .object({
    q: z.string().min(1).max(200).optional().openapi({ description: "Case-insensitive text in the error" }),
    from: z.number().int().min(0).optional().openapi({ description: "Dead-lettered at or after (unix ms)" }),
    to: z.number().int().min(0).optional().openapi({ description: "Dead-lettered at or before (unix ms)" }),
    source: z.string().min(1).max(256).optional().openapi({ description: "The stream it came from" }),
  })
  .strict()
  .superRefine(fromBeforeTo)
  .openapi("DeadLetterFilter");

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
    z
      .object({
        match: Match.openapi({ description: "Replay those matching, oldest first (at most 10,000 entries examined)" }),
        limit: z.number().int().min(1).max(MAX_REPLAY).default(100).openapi({ description: "Replay at most this many" }),
        allGroups: AllGroups,
      })
      .strict(),
  ], { error: 'send {"ids": ["<dead-letter id>", …]}, {"all": true, "limit": <1 to 1000>} or {"match": {"q", "from", "to", "source"}, "limit": <1 to 1000>}, optionally with "allGroups": true' })
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
          })),
          more: z.boolean().optional().openapi({ description: "With `match`: more matching dead letters may follow; send it again" }),
        }).openapi("ReplayResult"),
      "Replayed, oldest first",
    ),
    ...errorResponses(400, 404, 409, 413, 415, 422, 502, 503),
  },
});

export const deadLetters = createRouter()
  .openapi(listRoute, async (c) => {
    const { stream } = c.req.valid("param");
    const { start, count, ...filter } = c.req.valid("query");
    const dlq = c.var.catalog.deadLetterStreamFor(stream);
    const { entries: page, next, scanned } = await scanPage(c.var.redis(), dlq, start, count, filter);
    const entries = page.map((e) => {
      const letter = parseDeadLetter(e);
      return letter ? { ...letter, ...deadLetterBodyView(c.var.catalog, letter) } : { id: e.id, malformed: true as const, fields: e.fields };
    });
    return c.json({ deadLetterStream: dlq, entries, next, scanned }, 200);
  })
  .openapi(replayRoute, async (c) => {
    const { stream } = c.req.valid("param");
    const body = c.req.valid("json");
    const dlq = c.var.catalog.deadLetterStreamFor(stream);
    if ("match" in body) {
      // Matched a moment ago: an id replayed or deleted meanwhile is skipped, not refused.
      const matched = await scanMatching(c.var.redis(), dlq, body.match, body.limit);
      const replayed = await replay(c.var.redis(), c.var.catalog, dlq, { ids: matched.ids, strict: false, allGroups: body.allGroups });
      return c.json({ replayed, more: matched.more }, 200);
    }
    const selection = "ids" in body ? { ids: body.ids, allGroups: body.allGroups } : { limit: body.limit, allGroups: body.allGroups };
    return c.json({ replayed: await replay(c.var.redis(), c.var.catalog, dlq, selection) }, 200);
  });
