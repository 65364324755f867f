/**
 * `/openapi.json` is a valid OpenAPI 3 document (checked offline by
 * @seriousme/openapi-schema-validator) and lists exactly the app's routes.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/app.js";
import { functions } from "../../../src/functions/index.js";
import { call } from "./support.js";

const api = createApp({ functions });

describe("GET /openapi.json", () => {
  it("validates as OpenAPI 3", async () => {
    const res = await call(api, "/openapi.json");
    expect(res.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toMatch(/^3\./);
  });

  it("lists every registered route, and nothing else", async () => {
    const doc = (await call(api, "/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`))
      .sort();
    // Each route appears once per handler (validators, middleware): count paths, not handlers.
    // `GET /` is the dashboard's HTML page, not part of the JSON API.
    const registered = [...new Set(api.routes.filter((r) => r.method !== "ALL" && r.path !== "/").map((r) => `${r.method} ${r.path}`))].sort();
    expect(documented).toEqual(registered);
    expect(registered.length).toBeGreaterThanOrEqual(15);
  });

  it("marks /health as public and everything else as needing the bearer token", async () => {
    const doc = (await call(api, "/openapi.json")).body;
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.paths["/health"].get.security).toEqual([]);
  });

  it("documents the enqueue body and Idempotency-Key from the schemas that validate them", async () => {
    const doc = (await call(api, "/openapi.json")).body;
    const enqueue = doc.paths["/streams/{stream}/messages"].post;
    expect(enqueue.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual(["header:Idempotency-Key", "path:stream", "query:delayMs", "query:maxlen", "query:notBefore", "query:priority"]);
    // Flat fields, or JSON bodies for a `payload: "json"` function's stream: the handler checks which.
    expect(enqueue.requestBody.content["application/json"].schema).toEqual({ oneOf: [{ $ref: "#/components/schemas/EnqueueBody" }, { $ref: "#/components/schemas/JsonEnqueueBody" }] });
    expect(JSON.stringify(doc.components.schemas.JsonEnqueueBody)).toContain('"maxItems":500');
    expect(JSON.stringify(doc.components.schemas.EnqueueBody)).toContain('"maxItems":500');
  });
});
