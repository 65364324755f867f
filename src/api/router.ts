/** A route module's app: typed for the API's context, failing validation through the one error path. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiEnv } from "./context.js";
import { defaultHook } from "./validation.js";

export const createRouter = () => new OpenAPIHono<ApiEnv>({ defaultHook });
