/** `GET /health`, the one route without auth: PING through the Worker's own Redis client. */
import { createRoute, z } from "@hono/zod-openapi";
import { RedisReplyError } from "../../core/errors.js";
import { pingOp } from "../../core/key-ops.js";
import { sendPipeline } from "../../core/ops.js";
import { ReplyShapeError } from "../../core/parse-replies.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../router.js";
import { ErrorSchema, json } from "../schemas.js";

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["operations"],
  summary: "Redis answers PING (no auth)",
  security: [],
  responses: {
    200: json(z.object({ ok: z.literal(true) }), "Redis answered PING"),
    503: json(ErrorSchema, "Redis is not configured or does not answer; the message says why"),
  },
});

export const health = createRouter().openapi(route, async (c) => {
  try {
    await sendPipeline(c.var.redis(), [pingOp()] as const);
  } catch (error) {
    // Any Redis answer but PONG means unhealthy, not a bad gateway.
    if (error instanceof RedisReplyError || error instanceof ReplyShapeError) throw new ApiError(503, "redis_unavailable", `PING failed: ${error.message}`);
    throw error;
  }
  return c.json({ ok: true as const }, 200);
});
