/**
 * `POST /functions/:name/pause` and `/resume` (see core/pause.ts). Pausing
 * touches nothing pending: it turns the function's pause gate into a string,
 * so every later read of every run (cron, manual, enqueue-triggered) fails
 * before it reads or claims anything. Resume turns it back into the gate.
 * Both answer `{ function, paused }`; both are idempotent.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { sendPipeline, sendTransaction } from "../../core/ops.js";
import { pauseOp, resumeOps } from "../../core/pause.js";
import { createRouter } from "../router.js";
import { errorResponses, FunctionParams, json } from "../schemas.js";

const PauseAnswer = z.object({ function: z.string(), paused: z.boolean() }).openapi("PauseAnswer");

const route = (action: "pause" | "resume", summary: string) =>
  createRoute({
    method: "post",
    path: `/functions/{name}/${action}`,
    tags: ["functions"],
    summary,
    request: { params: FunctionParams },
    responses: { 200: json(PauseAnswer, "The function's state now"), ...errorResponses(404, 502) },
  });

export const pauseRoutes = createRouter()
  .openapi(route("pause", "Pause a function: its runs read and claim nothing until resumed; nothing pending is lost or charged a delivery"), async (c) => {
    const fn = c.var.catalog.functionNamed(c.req.valid("param").name);
    await sendPipeline(c.var.redis(), [pauseOp(fn.stream, fn.group, Date.now())] as const);
    console.log(JSON.stringify({ event: "cronsumer.paused", function: fn.name }));
    return c.json({ function: fn.name, paused: true }, 200);
  })
  .openapi(route("resume", "Resume a paused function"), async (c) => {
    const fn = c.var.catalog.functionNamed(c.req.valid("param").name);
    // The DEL comes first in the same MULTI, so the create cannot meet BUSYGROUP: any error is Redis failing.
    await sendTransaction(c.var.redis(), resumeOps(fn.stream, fn.group));
    console.log(JSON.stringify({ event: "cronsumer.resumed", function: fn.name }));
    return c.json({ function: fn.name, paused: false }, 200);
  });
