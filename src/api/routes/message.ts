/**
 * `GET /streams/:stream/messages/:id`: one message without disturbing it
 * (no read through a group, so nothing is delivered or counted). On a source
 * stream: its fields, and per consuming function its pending state (owner,
 * idle time, deliveries) and last error. On a dead-letter stream: the dead
 * letter parsed. Both with its history from the run reports
 * (message-history.ts). One pipeline of 1 + 3 × functions commands.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { xpendingRange, xrange } from "../../core/redis/commands.js";
import { lastErrorsOp } from "../../core/handle/attempt-errors.js";
import { parseDeadLetter } from "../../core/dead-letters/dead-letter.js";
import { RedisReplyError } from "../../core/redis/errors.js";
import { REPORTS_KEPT, reportsKey } from "../../core/redis/keys.js";
import { lrangeOp } from "../../core/redis/list-ops.js";
import type { Op, Settled } from "../../core/redis/ops.js";
import { pipelineSettled } from "../../core/redis/ops.js";
import type { PendingEntry, StreamEntry } from "../../core/redis/parse-replies.js";
import type { AttemptError } from "../../core/handle/attempt-errors.js";
import { BodyView, bodyView, deadLetterBodyView } from "../body-view.js";
import { ApiError } from "../errors.js";
import { historyOf } from "../message-history.js";
import { isMissingKey } from "../redis-errors.js";
import { createRouter } from "../router.js";
import { errorResponses, Fields, json, StreamId, StreamParams } from "../schemas.js";
import { parseReports } from "./functions.js";

const LastError = z.object({ attempt: z.number().int(), error: z.string(), at: z.string() }).nullable();

const route = createRoute({
  method: "get",
  path: "/streams/{stream}/messages/{id}",
  tags: ["streams"],
  summary: "One message, its pending state per group, its last error and history, without delivering it",
  request: { params: StreamParams.extend({ id: StreamId.openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    200: json(
      z.object({
        stream: z.string(),
        id: z.string(),
        enqueuedAt: z.number().int().openapi({ description: "The id's time part (unix ms)" }),
        fields: Fields,
        ...BodyView,
        deadLetter: z.record(z.string(), z.unknown()).nullable().openapi({ description: "On a dead-letter stream: the dead letter parsed" }),
        groups: z.array(z.object({
          function: z.string(),
          group: z.string(),
          pending: z.object({ consumer: z.string(), idleMs: z.number().int(), deliveries: z.number().int() }).nullable(),
          lastError: LastError,
        })),
        history: z.array(z.object({ at: z.string(), function: z.string(), consumer: z.string(), trigger: z.string(), attempt: z.number().int(), error: z.string() })),
        lane: z
          .object({ stream: z.string(), name: z.string() })
          .optional()
          .openapi({ description: "When the message (or a dead letter's source) is in a priority lane: the function's stream and the lane, so it is enqueued again with `POST /streams/{lane.stream}/messages?priority={lane.name}`" }),
      }).openapi("MessageView"),
      "The message",
    ),
    ...errorResponses(400, 404, 502),
  },
});

function value<T>(r: Settled<T>, absent: T): T {
  if (r.ok) return r.value;
  if (isMissingKey(r.error) || r.error.startsWith("NOGROUP")) return absent;
  throw new RedisReplyError(r.error);
}

export const message = createRouter().openapi(route, async (c) => {
  const { stream, id } = c.req.valid("param");
  const { catalog } = c.var;
  catalog.requireStream(stream);
  const consumers = catalog.isSource(stream) ? catalog.requireSource(stream) : [];
  const perGroup = consumers.flatMap((fn): Op<unknown>[] => [xpendingRange(stream, fn.group, { start: id, end: id, count: 1 }), lastErrorsOp(stream, fn.group, [id])]);
  const reportsOf = consumers.length > 0 ? consumers.map((fn) => fn.name) : catalog.functions.filter((fn) => catalog.deadLetterStream(fn) === stream).map((fn) => fn.name);
  const replies = await pipelineSettled(c.var.redis(), [xrange(stream, id, id, 1), ...perGroup, ...reportsOf.map((name) => lrangeOp(reportsKey(name), 0, REPORTS_KEPT - 1))]);
  const [entry] = value(replies[0] as Settled<StreamEntry[]>, []);
  if (!entry) throw new ApiError(404, "message_not_found", `${stream} has no entry ${JSON.stringify(id)}`);
  const groups = consumers.map((fn, i) => {
    const [p] = value(replies[1 + 2 * i] as Settled<PendingEntry[]>, []);
    const [lastError] = value(replies[2 + 2 * i] as Settled<(AttemptError | null)[]>, [null]);
    return { function: fn.name, group: fn.group, pending: p ? { consumer: p.consumer, idleMs: p.idleMs, deliveries: p.deliveries } : null, lastError: lastError ?? null };
  });
  const reports = replies.slice(1 + perGroup.length).flatMap((r) => parseReports(value(r as Settled<string[]>, [])));
  const deadLetter = consumers.length > 0 ? null : parseDeadLetter(entry);
  const history = historyOf(deadLetter?.originalId ?? id, reports).sort((a, b) => b.at.localeCompare(a.at));
  const lane = catalog.laneOf(deadLetter?.stream ?? stream);
  const view = deadLetter ? deadLetterBodyView(catalog, deadLetter) : bodyView(catalog.payloadOf(stream), entry.fields);
  return c.json({ stream, id, enqueuedAt: Number(id.split("-")[0]), fields: entry.fields ?? {}, ...view, deadLetter: deadLetter as Record<string, unknown> | null, groups, history, ...(lane && { lane }) }, 200);
});

