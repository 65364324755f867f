/**
 * `POST /functions/:name/pause` and `/resume` (see core/features/pause.ts). Pausing
 * touches nothing pending: it turns the function's pause gate into a string,
 * so every later read of every run (cron, manual, enqueue-triggered) fails
 * before it reads or claims anything. Resume turns it back into the gate.
 * Both answer `{ function, paused }`; both are idempotent. A partitioned
 * function's own name acts on each of its members and adds `members`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { sendPipeline, sendTransaction } from "../../core/redis/ops.js";
import { pauseOp, resumeOps } from "../../core/features/pause.js";
import type { PollingFunction } from "../../core/define/define.js";
import type { Transport } from "../../core/redis/transport.js";
import type { Catalog } from "../catalog.js";
import { targetsOf } from "../function-targets.js";
import { createRouter } from "../router.js";
import { errorResponses, FunctionParams, json } from "../schemas.js";

const MemberState = z.object({ function: z.string(), paused: z.boolean() });
const PauseAnswer = MemberState.extend({
  members: z.array(MemberState).optional().openapi({ description: "A partitioned function's name only: the state of each member, each paused or resumed in turn" }),
}).openapi("PauseAnswer");

const route = (action: "pause" | "resume", summary: string) =>
  createRoute({
    method: "post",
    path: `/functions/{name}/${action}`,
    tags: ["functions"],
    summary,
    request: { params: FunctionParams },
    responses: { 200: json(PauseAnswer, "The function's state now"), ...errorResponses(404, 502) },
  });

async function pause(t: Transport, fn: PollingFunction): Promise<void> {
  await sendPipeline(t, [pauseOp(fn.stream, fn.group, Date.now())] as const);
  console.log(JSON.stringify({ event: "cronsumer.paused", function: fn.name }));
}

async function resume(t: Transport, fn: PollingFunction): Promise<void> {
  // The DEL comes first in the same MULTI, so the create cannot meet BUSYGROUP: any error is Redis failing.
  await sendTransaction(t, resumeOps(fn.stream, fn.group));
  console.log(JSON.stringify({ event: "cronsumer.resumed", function: fn.name }));
}

/**
 * One function, or every member of a partitioned one: one request per member
 * (members may live in different databases), in parallel. A member that fails
 * fails the request; the others are done, and repeating is safe (idempotent).
 */
async function apply(catalog: Catalog, t: Transport, name: string, act: (t: Transport, fn: PollingFunction) => Promise<void>, paused: boolean) {
  const targets = targetsOf(catalog, name);
  if ("one" in targets) {
    await act(t, targets.one);
    return { function: targets.one.name, paused };
  }
  await Promise.all(targets.members.map((fn) => act(t, fn)));
  return { function: name, paused, members: targets.members.map((fn) => ({ function: fn.name, paused })) };
}

export const pauseRoutes = createRouter()
  .openapi(route("pause", "Pause a function (or every member of a partitioned one): its runs read and claim nothing until resumed; nothing pending is lost or charged a delivery"), async (c) =>
    c.json(await apply(c.var.catalog, c.var.redis(), c.req.valid("param").name, pause, true), 200),
  )
  .openapi(route("resume", "Resume a paused function (or every member of a partitioned one)"), async (c) => c.json(await apply(c.var.catalog, c.var.redis(), c.req.valid("param").name, resume, false), 200));
