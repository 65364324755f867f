/**
 * `GET /health`, the one route without auth. Anyone can call it, so without a
 * token it sends no Redis command (each would be billed to the owner's Upstash
 * quota): it answers whether the Worker runs and its Redis bindings are set.
 * With a valid token (API_TOKEN or READ_TOKEN) it also PINGs Redis through
 * the Worker's own client.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { RedisReplyError } from "../../core/redis/errors.js";
import { pingOp } from "../../core/redis/key-ops.js";
import { sendPipeline } from "../../core/redis/ops.js";
import { ReplyShapeError } from "../../core/redis/parse-replies.js";
import { requireToken } from "../auth.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../router.js";
import { ErrorSchema, json } from "../schemas.js";

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["operations"],
  summary: "The Worker runs and Redis is configured; with a token, Redis answers PING",
  description: "Without a token no Redis command is sent, so public checks cost nothing. With `Authorization: Bearer <API_TOKEN or READ_TOKEN>` the answer carries `redis: \"PONG\"`.",
  security: [],
  responses: {
    200: json(z.object({ ok: z.literal(true), redis: z.literal("PONG").optional() }), "Configured; `redis` is present when a token asked for PING"),
    401: json(ErrorSchema, "A token was sent and is not valid"),
    503: json(ErrorSchema, "Redis is not configured or does not answer; the message says why"),
  },
});

const checkToken = requireToken({ publicPaths: [] });

export const health = createRouter().openapi(route, async (c) => {
  // Building the client checks the bindings and sends nothing.
  const redis = c.var.redis();
  if (c.req.header("Authorization") === undefined) return c.json({ ok: true as const }, 200);
  await checkToken(c, async () => {});
  try {
    await sendPipeline(redis, [pingOp()] as const);
  } catch (error) {
    // Any Redis answer but PONG means unhealthy, not a bad gateway.
    if (error instanceof RedisReplyError || error instanceof ReplyShapeError) throw new ApiError(503, "redis_unavailable", `PING failed: ${error.message}`);
    throw error;
  }
  return c.json({ ok: true as const, redis: "PONG" as const }, 200);
});
