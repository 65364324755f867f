/**
 * Bearer auth: API_TOKEN may do everything, READ_TOKEN only GET; without
 * API_TOKEN the API fails closed; /health is public.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ApiApp } from "../../../src/api/context.js";
import type { PollingFunction } from "../../../src/core/define/define.js";
import { faultyBridge, useFixture } from "../../support/engine.js";
import { app, call, enc, READ_TOKEN, TOKEN } from "./support.js";

const f = useFixture();
let fn: PollingFunction;
let api: ApiApp;
let path: string;

beforeAll(() => {
  fn = f.fn({ handle: async () => {} });
  api = app({ functions: [fn] });
  path = `/streams/${enc(fn.stream)}`;
});

describe("auth", () => {
  it("refuses a missing token with 401 and a Bearer challenge", async () => {
    const res = await call(api, path, { token: null });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("missing_token");
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm=/);
  });

  it("refuses an unknown token with 401, and a malformed header with 400, like hono/bearer-auth", async () => {
    expect((await call(api, path, { token: "wrong" })).status).toBe(401);
    expect((await call(api, path, { token: null, headers: { Authorization: "Bearer" } })).status).toBe(400);
    expect((await call(api, path, { token: null, headers: { Authorization: "Bearer a b" } })).status).toBe(400);
    expect((await call(api, path, { token: null, headers: { Authorization: TOKEN } })).status).toBe(400);
  });

  it("accepts API_TOKEN everywhere, with any case of the scheme", async () => {
    expect((await call(api, path)).status).toBe(200);
    expect((await call(api, path, { token: null, headers: { Authorization: `bearer ${TOKEN}` } })).status).toBe(200);
    expect((await call(api, `${path}/messages`, { body: { a: "1" } })).status).toBe(201);
  });

  it("accepts READ_TOKEN on GET routes", async () => {
    for (const p of [path, `${path}/groups`, "/functions", "/metrics", "/openapi.json"]) {
      expect((await call(api, p, { token: READ_TOKEN })).status, p).toBe(200);
    }
  });

  it("refuses READ_TOKEN on every write route with 403, writing nothing", async () => {
    const before = await f.tcp.xLen(fn.stream);
    const writes: [string, string][] = [
      ["POST", `${path}/messages`],
      ["PUT", `${path}/groups/g2`],
      ["POST", `${path}/groups/g/setid`],
      ["DELETE", `${path}/groups/g/consumers/c`],
      ["POST", `${path}/dead-letters/replay`],
      ["POST", `/functions/${fn.name}/run`],
    ];
    for (const [method, p] of writes) {
      const res = await call(api, p, { method, token: READ_TOKEN, body: { a: "1" } });
      expect({ status: res.status, code: res.body.error.code }, `${method} ${p}`).toEqual({ status: 403, code: "read_only_token" });
    }
    expect(await f.tcp.xLen(fn.stream)).toBe(before);
    expect(await f.tcp.exists(`cronsumer:runs:${fn.name}`)).toBe(0);
  });

  it("treats READ_TOKEN as unknown when it is not configured", async () => {
    expect((await call(api, path, { token: READ_TOKEN, env: { READ_TOKEN: undefined } })).status).toBe(401);
  });

  it("fails closed with 503 when API_TOKEN is not set, saying how to set it", async () => {
    for (const token of [TOKEN, null, ""]) {
      const res = await call(api, path, { token, env: { API_TOKEN: undefined } });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("api_token_not_configured");
      expect(res.body.error.message).toContain(".dev.vars");
      expect(res.body.error.message).toContain("wrangler secret put API_TOKEN");
    }
    expect((await call(api, path, { env: { API_TOKEN: "" } })).status).toBe(503);
  });

  it("serves /health without a token, even when API_TOKEN is not set", async () => {
    expect(await call(api, "/health", { token: null })).toMatchObject({ status: 200, body: { ok: true } });
    expect(await call(api, "/health", { token: null, env: { API_TOKEN: undefined } })).toMatchObject({ status: 200, body: { ok: true } });
  });

  it("sends no Redis command for /health without a token; PINGs once for a valid token; refuses a bad one", async () => {
    const bridge = await faultyBridge({});
    try {
      const counted = app({ functions: [fn], transport: () => bridge.transport });
      for (let i = 0; i < 20; i++) expect(await call(counted, "/health", { token: null })).toMatchObject({ status: 200, body: { ok: true } });
      expect(bridge.stats).toEqual({ requests: 0, commands: 0 });
      expect(await call(counted, "/health", { token: "nope" })).toMatchObject({ status: 401, body: { error: { code: "invalid_token" } } });
      expect(bridge.stats).toEqual({ requests: 0, commands: 0 });
      expect(await call(counted, "/health")).toMatchObject({ status: 200, body: { ok: true, redis: "PONG" } });
      expect(await call(counted, "/health", { token: READ_TOKEN })).toMatchObject({ status: 200, body: { ok: true, redis: "PONG" } });
      expect(bridge.stats).toEqual({ requests: 2, commands: 2 });
    } finally {
      await bridge.close();
    }
  });

  it("answers /health 503 with the reason when Redis is not configured, and with a token when it is unreachable", async () => {
    const down = await call(api, "/health", { env: { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" } });
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe("redis_unavailable");
    const unset = await call(api, "/health", { token: null, env: { UPSTASH_REDIS_REST_URL: undefined } });
    expect(unset.status).toBe(503);
    expect(unset.body.error.message).toContain("UPSTASH_REDIS_REST_URL");
  });
});
