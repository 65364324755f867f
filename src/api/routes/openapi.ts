/**
 * `GET /openapi.json`: the OpenAPI 3 document, generated from the same
 * schemas that validate requests, so it cannot drift from the routes.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { ApiApp } from "../context.js";
import { createRouter } from "../router.js";
import { errorResponses, json } from "../schemas.js";

export const DOCUMENT = {
  openapi: "3.0.3",
  info: {
    title: "cronsumer",
    version: "0.1.0",
    description:
      "Redis Streams consumer groups on Cloudflare Workers. Every route but /health needs `Authorization: Bearer <API_TOKEN>`; READ_TOKEN may call GET routes. " +
      'Errors are always `{"error": {"code", "message"}}`. Stream names in paths may be URL-encoded (`orders%3Apayments`) or carry raw colons.',
  },
  security: [{ bearer: [] }],
};

const route = createRoute({
  method: "get",
  path: "/openapi.json",
  tags: ["operations"],
  summary: "This document",
  responses: { 200: json(z.record(z.string(), z.unknown()), "OpenAPI 3.0 document"), ...errorResponses() },
});

/** Mounted last, on the root app, whose registry then holds every route. */
export function openapi(root: ApiApp) {
  root.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", description: "API_TOKEN, or READ_TOKEN for GET routes" });
  return createRouter().openapi(route, (c) => c.json(root.getOpenAPIDocument(DOCUMENT) as unknown as Record<string, unknown>, 200));
}
