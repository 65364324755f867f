/** The Worker: wiring only. The API answers fetches; cron ticks run the polling functions. */
import { createApp } from "./api/app.js";
import type { Env } from "./env.js";
import { runScheduled } from "./functions/scheduled.js";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, controller.scheduledTime, env));
  },
} satisfies ExportedHandler<Env>;
