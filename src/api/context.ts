/**
 * What every handler gets besides the request: the Worker's bindings, the
 * configured functions (as a `Catalog`, the only streams the API may touch),
 * and a Redis transport built on first use.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Transport } from "../core/redis/transport.js";
import type { Env } from "../env.js";
import type { Catalog } from "./catalog.js";

export interface ApiEnv {
  Bindings: Env;
  Variables: {
    catalog: Catalog;
    /** The transport for this request, built from the bindings on first call. */
    redis: () => Transport;
  };
}

export type ApiApp = OpenAPIHono<ApiEnv>;
