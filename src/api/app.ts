/**
 * The Worker's HTTP API. `createApp()` uses the deployment's functions and
 * its Upstash client; tests pass their own functions (on unique streams) and
 * a counting or faulty transport.
 *
 * Every route but `/health` needs `Authorization: Bearer <API_TOKEN>`
 * (auth.ts). Only streams the functions consume, and their dead-letter
 * streams, are reachable (catalog.ts). Every error has one shape,
 * `{"error": {"code", "message"}}`, made in one place (errors.ts).
 * Message fields are strings, kept exactly (enqueue-body.ts).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { PollingFunction } from "../core/define/define.js";
import type { Counted } from "../core/redis/counting-transport.js";
import { countingTransport } from "../core/redis/counting-transport.js";
import type { Transport } from "../core/redis/transport.js";
import { dashboard } from "../dashboard/index.js";
import type { Env } from "../env.js";
import { transportFromEnv } from "../functions/redis.js";
import { requireToken } from "./auth.js";
import { createCatalog } from "./catalog.js";
import type { ApiApp, ApiEnv } from "./context.js";
import { onError } from "./errors.js";
import { notFound } from "./not-found.js";
import { consumers } from "./routes/consumers.js";
import { deadLetterBulk } from "./routes/dead-letter-bulk.js";
import { deadLetters } from "./routes/dead-letters.js";
import { delayed } from "./routes/delayed.js";
import { functionRoutes } from "./routes/functions.js";
import { pauseRoutes } from "./routes/pause.js";
import { groups } from "./routes/groups.js";
import { health } from "./routes/health.js";
import { messages } from "./routes/messages.js";
import { message } from "./routes/message.js";
import { metrics } from "./routes/metrics.js";
import { openapi } from "./routes/openapi.js";
import { pending } from "./routes/pending.js";
import { series } from "./routes/series.js";
import { streams } from "./routes/streams.js";
import { view } from "./routes/view.js";
import { defaultHook } from "./validation.js";

/** Response headers: the Redis commands and HTTP requests to Redis one API request cost. */
export const COMMANDS_HEADER = "X-Redis-Commands";
export const REQUESTS_HEADER = "X-Redis-Requests";

export interface AppOptions {
  /** The polling functions whose streams, groups and dead letters the API may reach. */
  functions: readonly PollingFunction[];
  /** @default `transportFromEnv`: the official @upstash/redis client from the bindings */
  transport?: (env: Env) => Transport;
}

export function createApp({ functions, transport = transportFromEnv }: AppOptions): ApiApp {
  const catalog = createCatalog(functions);
  const app: ApiApp = new OpenAPIHono<ApiEnv>({ defaultHook });
  app.onError(onError);
  app.notFound(notFound(() => app.routes));
  app.route("/", dashboard); // Before auth: the page holds no data; its script calls the API with the user's token.
  app.use("*", requireToken({ publicPaths: ["/health"] }));
  app.use("*", async function context(c, next) {
    let built: Counted | undefined;
    c.set("catalog", catalog);
    c.set("redis", () => (built ??= countingTransport(transport(c.env))));
    await next();
    // What this request cost on Upstash: the dashboard shows the sum of one refresh.
    c.res.headers.set(COMMANDS_HEADER, String(built?.commands ?? 0));
    c.res.headers.set(REQUESTS_HEADER, String(built?.requests ?? 0));
  });
  for (const routes of [health, streams, messages, message, delayed, groups, consumers, pending, deadLetters, deadLetterBulk, functionRoutes, pauseRoutes, series, view, metrics]) app.route("/", routes);
  app.route("/", openapi(app));
  return app;
}
