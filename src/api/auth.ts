/**
 * Bearer-token auth for every route but the public ones.
 *
 * - `API_TOKEN` (a Worker secret) may do everything; `READ_TOKEN`, when set,
 *   may only read (GET and HEAD). A read token on a write route answers 403:
 *   the caller is known, but not allowed to write.
 * - Without `API_TOKEN` the API fails closed: 503 saying how to set it.
 * - Statuses follow Hono's bearer-auth and RFC 6750: no header 401, a header
 *   that is not `Bearer <token68>` 400, an unknown token 401.
 * - Tokens are compared in constant time (SHA-256 digests, compared whole).
 */
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "./context.js";
import { ApiError } from "./errors.js";

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i;
const READ_METHODS = new Set(["GET", "HEAD"]);
const REALM = 'Bearer realm="cronsumer"';
/** Tells a client what its token may do (`read` or `write`), so the dashboard hides what a read token cannot do. */
export const ACCESS_HEADER = "X-Cronsumer-Access";

export interface RequireTokenOptions {
  /** Paths that need no token. @default ["/health"] */
  publicPaths?: readonly string[];
}

export const requireToken = ({ publicPaths = ["/health"] }: RequireTokenOptions = {}): MiddlewareHandler<ApiEnv> => {
  const open = new Set(publicPaths);
  return async function requireToken(c, next) {
    if (open.has(pathInApp(c.req.path, c.req.routePath))) return next();
    const apiToken = c.env?.API_TOKEN;
    if (typeof apiToken !== "string" || apiToken === "") {
      throw new ApiError(
        503,
        "api_token_not_configured",
        "API_TOKEN is not set, so the API refuses every request. Set it in .dev.vars locally, or with `wrangler secret put API_TOKEN` in production.",
      );
    }
    const header = c.req.header("Authorization");
    if (header === undefined || header === "") {
      throw new ApiError(401, "missing_token", "send `Authorization: Bearer <API_TOKEN>`", { "WWW-Authenticate": REALM });
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      throw new ApiError(400, "invalid_authorization", "the Authorization header must be `Bearer <token>`", { "WWW-Authenticate": 'Bearer error="invalid_request"' });
    }
    if (await safeEqual(token, apiToken)) {
      c.header(ACCESS_HEADER, "write");
      return next();
    }
    const readToken = c.env.READ_TOKEN;
    if (typeof readToken === "string" && readToken !== "" && (await safeEqual(token, readToken))) {
      c.header(ACCESS_HEADER, "read");
      if (READ_METHODS.has(c.req.method)) return next();
      throw new ApiError(403, "read_only_token", `READ_TOKEN may only read; ${c.req.method} ${c.req.path} needs API_TOKEN`, {
        "WWW-Authenticate": 'Bearer error="insufficient_scope"',
      });
    }
    throw new ApiError(401, "invalid_token", "the bearer token is not valid", { "WWW-Authenticate": 'Bearer error="invalid_token"' });
  };
};

const encoder = new TextEncoder();

/** Compares digests, so the time taken says nothing about where the inputs differ, nor their lengths. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([a, b].map((s) => crypto.subtle.digest("SHA-256", encoder.encode(s))));
  const x = new Uint8Array(da!);
  const y = new Uint8Array(db!);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/**
 * The request's path as this app sees it, wherever a user mounted it
 * (`app.route("/queues", api)`): this middleware is registered on "*", so
 * its route path is the mount point followed by "/*".
 */
function pathInApp(path: string, routePath: string): string {
  const mount = routePath.endsWith("/*") ? routePath.slice(0, -2) : "";
  return mount !== "" && path.startsWith(mount) ? path.slice(mount.length) || "/" : path;
}
