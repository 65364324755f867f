/**
 * Bulk actions on dead letters that delete: `POST …/dead-letters/delete`
 * (selected ids, all or nothing) and `POST …/dead-letters/purge` (everything
 * up to the newest entry, or `upTo`; the body must name the dead-letter
 * stream in `confirm`, so a purge is never sent by accident or to the wrong
 * stream). See dead-letter-delete.ts for what each does under races.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { deleteDeadLetters, purgeDeadLetters } from "../dead-letter-delete.js";
import { ApiError } from "../errors.js";
import { jsonBody } from "../json-body.js";
import { MAX_REPLAY } from "../replay.js";
import { createRouter } from "../router.js";
import { errorResponses, json, jsonRequest, StreamId, StreamParams } from "../schemas.js";

const deleteRoute = createRoute({
  method: "post",
  path: "/streams/{stream}/dead-letters/delete",
  tags: ["dead letters"],
  summary: "Delete selected dead letters, all or none",
  description: "Unknown ids answer 404 and dead letters being replayed 409; then nothing is deleted.",
  middleware: [jsonBody()] as const,
  request: {
    params: StreamParams,
    ...jsonRequest(z.object({ ids: z.array(StreamId).min(1).max(MAX_REPLAY) }).strict().openapi("DeleteDeadLettersRequest")),
  },
  responses: {
    200: json(z.object({ deleted: z.array(z.string()) }), "Deleted"),
    ...errorResponses(400, 404, 409, 413, 415, 502, 503),
  },
});

const purgeRoute = createRoute({
  method: "post",
  path: "/streams/{stream}/dead-letters/purge",
  tags: ["dead letters"],
  summary: "Delete every dead letter up to the newest one (or `upTo`)",
  description: "Dead letters written after the request was checked are kept. `confirm` must be the dead-letter stream's name.",
  middleware: [jsonBody()] as const,
  request: {
    params: StreamParams,
    ...jsonRequest(
      z
        .object({
          confirm: z.string().openapi({ description: "The dead-letter stream's name, exactly" }),
          upTo: StreamId.optional().openapi({ description: "Delete up to and including this id; default: the newest entry now" }),
        })
        .strict()
        .openapi("PurgeDeadLettersRequest"),
    ),
  },
  responses: {
    200: json(
      z.object({
        deadLetterStream: z.string(),
        purged: z.number().int(),
        upTo: z.string().nullable(),
        more: z.literal(true).optional().openapi({ description: "Stopped at its request budget short of `upTo`: send the purge again with this `upTo`" }),
      }),
      "Purged",
    ),
    ...errorResponses(400, 404, 413, 415, 502),
  },
});

export const deadLetterBulk = createRouter()
  .openapi(deleteRoute, async (c) => {
    const dlq = c.var.catalog.deadLetterStreamFor(c.req.valid("param").stream);
    const ids = [...new Set(c.req.valid("json").ids)];
    return c.json({ deleted: await deleteDeadLetters(c.var.redis(), dlq, ids) }, 200);
  })
  .openapi(purgeRoute, async (c) => {
    const dlq = c.var.catalog.deadLetterStreamFor(c.req.valid("param").stream);
    const { confirm, upTo } = c.req.valid("json");
    if (confirm !== dlq) throw new ApiError(400, "confirmation_mismatch", `body field "confirm" must be ${JSON.stringify(dlq)}, the dead-letter stream to purge; nothing was deleted`);
    // The streams whose dead letters land here: a purge releases the source entries their references hold.
    const sources = [...new Set(c.var.catalog.functions.filter((fn) => c.var.catalog.deadLetterStream(fn) === dlq).map((fn) => fn.stream))];
    return c.json({ deadLetterStream: dlq, ...(await purgeDeadLetters(c.var.redis(), dlq, upTo, sources)) }, 200);
  });
