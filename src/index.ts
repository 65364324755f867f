/** The Worker: wiring only. The API answers fetches; cron ticks run the polling functions. */
import type { Env } from "./env.js";
import { runScheduled } from "./functions/scheduled.js";

export default {
  async fetch(): Promise<Response> {
    return new Response(JSON.stringify({ error: { code: "not_found", message: "no routes yet" } }), { status: 404 });
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, controller.scheduledTime, env));
  },
} satisfies ExportedHandler<Env>;
