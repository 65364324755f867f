/**
 * Unknown routes answer 404, and a known path with the wrong method answers
 * 405 with an `Allow` header, both in the API's one error shape. Hono only
 * knows "no handler matched", so the path is matched here against the
 * registered routes.
 */
import type { Context, NotFoundHandler } from "hono";
import { errorBody } from "./errors.js";

interface RouteLike {
  method: string;
  path: string;
}

const pattern = (path: string): RegExp =>
  new RegExp(`^${path.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : part === "*" ? ".*" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}/?$`);

export function allowedMethods(routes: readonly RouteLike[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    if (pattern(route.path).test(path)) methods.add(route.method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

export function notFound(routes: () => readonly RouteLike[]): NotFoundHandler {
  return function notFound(c: Context) {
    const allow = allowedMethods(routes(), c.req.path);
    if (allow.length > 0) {
      return c.json(errorBody("method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(", ")}`), 405, { Allow: allow.join(", ") });
    }
    return c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404);
  };
}
