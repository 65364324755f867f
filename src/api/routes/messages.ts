/**
 * `POST /streams/:stream/messages`: enqueue one message or a batch (see
 * `enqueue-body.ts` for the field rules, `idempotency.ts` for
 * `Idempotency-Key`, `delay.ts` for `delayMs`/`notBefore`). 201 with the new
 * ids; 200 with the original ids when the key was seen before.
 *
 * A partitioned logical stream (a partitioned function's `stream`) routes
 * each message by its key field to a partition (partitioned-enqueue.ts) and
 * answers, beside `ids`, each message's partition stream in `streams`. A
 * partition stream itself takes no writes: 400 naming the logical stream.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { PollingFunction } from "../../core/define/define.js";
import { MAX_DELAY_MS } from "../../core/features/delayed.js";
import type { Catalog } from "../catalog.js";
import { checkDelayedFields, dueAtOf, parseDelay, requireDelays } from "../delay.js";
import { enqueue } from "../enqueue.js";
import { enqueueWaking } from "../enqueue-parts.js";
import { JsonEnqueueBody, requestMessages } from "../body-envelope.js";
import { EnqueueBody, enqueueHook } from "../enqueue-body.js";
import { IDEMPOTENCY_KEY, enqueueOnce } from "../idempotency.js";
import { jsonBody } from "../json-body.js";
import { limitsFromEnv } from "../limits.js";
import { writeToPartitionRefused } from "../partition-split.js";
import { writePartitioned } from "../partitioned-route.js";
import { createRouter } from "../router.js";
import { wakeAfterEnqueue, wakes } from "../wake-after-enqueue.js";
import { WAKE_LEASE_MS } from "../../functions/wake.js";
import { errorResponses, json, StreamParams } from "../schemas.js";

const Ids = z
  .object({
    ids: z.array(z.string()).openapi({ example: ["1700000000000-0"], description: "Stream ids; for a delayed enqueue, delayed ids (see GET …/delayed)" }),
    dueAt: z.number().int().optional().openapi({ description: "Delayed enqueue only: when the messages enter the stream (unix ms), as the API's clock estimates it; the stored due time is counted on the Redis clock" }),
    streams: z
      .array(z.string())
      .optional()
      .openapi({ example: ["{orders:p3}"], description: "Partitioned streams only: per message, parallel to `ids`, the partition stream it was written to (read it, or its delayed set, there)" }),
  })
  .openapi("EnqueueResult");
const delayParam = (name: string, description: string) => z.string().optional().openapi({ param: { name, in: "query" }, description });

const route = createRoute({
  method: "post",
  path: "/streams/{stream}/messages",
  tags: ["messages"],
  summary: "Enqueue a message or a batch of up to 500",
  description:
    "Field values must be JSON strings; any other JSON type is refused (400) rather than converted, because handlers receive exactly the strings that were enqueued. " +
    'A stream whose function has `payload: "json"` takes `{"body": <any JSON>, "headers"?: {name: string}}` (or an array) instead: the body is stored as one JSON field and the size limit applies to its encoded form. ' +
    "A batch is one MULTI/EXEC: all or nothing, one request to Redis. `maxlen` trims with `XADD … MAXLEN ~ N`, which can drop messages no group has processed yet. " +
    "On a partitioned stream each message is routed by its key field (400 `missing_partition_key` without it, nothing written) and each partition's messages are one MULTI/EXEC (one request per partition: atomic per partition, not across); `streams` tells each message's partition stream, `maxlen` trims each partition.",
  middleware: [jsonBody()] as const,
  request: {
    params: StreamParams,
    query: z.object({
      maxlen: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({ param: { name: "maxlen", in: "query" }, description: "XADD … MAXLEN ~ N: may drop unprocessed messages" }),
      delayMs: delayParam("delayMs", `Hold the messages this many ms (0 to ${MAX_DELAY_MS}) before they enter the stream; needs a consuming function with \`delays: true\``),
      notBefore: delayParam("notBefore", "Hold the messages until this unix time (ms), at most 365 days ahead; not with `delayMs`"),
    }),
    headers: z.object({
      "Idempotency-Key": z
        .string()
        .regex(IDEMPOTENCY_KEY, "Idempotency-Key must be 1 to 200 printable ASCII characters")
        .optional()
        .openapi({ param: { name: "Idempotency-Key", in: "header" }, description: "A repeat within 24 h writes nothing and answers the original ids" }),
    }),
    // Not validated here: the stream's function decides the shape (flat fields, or JSON bodies), checked in the handler.
    body: { required: true, content: { "application/json": { schema: { oneOf: [{ $ref: "#/components/schemas/EnqueueBody" }, { $ref: "#/components/schemas/JsonEnqueueBody" }] } } } },
  },
  responses: {
    201: json(Ids, "Written; the new ids in request order"),
    200: json(Ids, "A repeat of an Idempotency-Key: nothing written, the original ids"),
    ...errorResponses(400, 404, 409, 413, 415, 422, 502),
  },
});

const router = createRouter();
router.openAPIRegistry.register("EnqueueBody", EnqueueBody);
router.openAPIRegistry.register("JsonEnqueueBody", JsonEnqueueBody);

export const messages = router.openapi(
  route,
  async (c) => {
    const { stream } = c.req.valid("param");
    const { maxlen, delayMs, notBefore } = c.req.valid("query");
    const key = c.req.valid("header")["Idempotency-Key"];
    const spec = c.var.catalog.partitionsOf(stream);
    const consumers = spec ? [] : sourceConsumers(c.var.catalog, stream);
    const now = Date.now();
    const delay = parseDelay(delayMs, notBefore, maxlen, now);
    if (delay && !spec) requireDelays(stream, consumers, c.env);
    const raw: unknown = await c.req.json();
    const messages = requestMessages(raw, c.var.catalog.payloadOf(stream), limitsFromEnv(c.env).maxMessageBytes);
    if (delay) checkDelayedFields(messages);
    const dueAt = delay && dueAtOf(delay, now);
    const request = { stream, messages, maxlen, delay, dueAt };
    const extra = dueAt === undefined ? {} : { dueAt };
    if (spec) {
      const { created, ids, streams } = await writePartitioned(c, request, spec, Array.isArray(raw), key);
      return created ? c.json({ ids, streams, ...extra }, 201) : c.json({ ids, streams }, 200);
    }
    // An immediate write takes its stream's wake lease in its own request: beside the XADDs in the MULTI/EXEC
    // (enqueue-parts.ts), or inside the Idempotency-Key script (idempotency-script.ts), which counts it only if it wrote.
    // A delayed write waits for its due time: the tick (or a session polling) promotes it, so it takes no lease.
    const leaseMs = delay === undefined && wakes(c, stream) ? WAKE_LEASE_MS : undefined;
    const t = c.var.redis();
    const { created, ids, wakes: starts } =
      key !== undefined ? await enqueueOnce(t, request, key, leaseMs) : leaseMs !== undefined ? { created: true, ...(await enqueueWaking(t, request, leaseMs)) } : { created: true, ids: await enqueue(t, request) };
    // Only a write starts a run: a repeated Idempotency-Key wrote nothing, so it starts nothing.
    if (created && leaseMs !== undefined && starts === true) wakeAfterEnqueue(c, [{ stream, messages: ids.length }], [stream]);
    // A repeat answers the ids it wrote; its due time was fixed then, and is listed under GET …/delayed.
    return created ? c.json({ ids, ...extra }, 201) : c.json({ ids }, 200);
  },
  (result, c) => enqueueHook(result, c),
);

/** The functions consuming `stream`; a member's partition stream takes writes only through its logical stream. */
function sourceConsumers(catalog: Catalog, stream: string): readonly PollingFunction[] {
  const consumers = catalog.requireSource(stream);
  const member = consumers.find((fn) => fn.partitionOf)?.partitionOf;
  if (member) throw writeToPartitionRefused(stream, member.logical, member.index);
  return consumers;
}
