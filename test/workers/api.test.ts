/**
 * The Worker's `fetch()` entry point inside workerd, against the real Redis
 * behind the bridge, with the deployment's own registry: /health needs no
 * token, and an enqueue onto `webhooks:outbox` is readable back through the API.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env.js";

const bindings = env as unknown as Env;
const token = bindings.API_TOKEN!;
const redis = new Redis({ url: bindings.UPSTASH_REDIS_REST_URL!, token: bindings.UPSTASH_REDIS_REST_TOKEN!, automaticDeserialization: false, enableTelemetry: false });
const auth = { Authorization: `Bearer ${token}` };
const base = "https://cronsumer.test";
// The main Worker's default export; typed here because `wrangler types` (which declares it) is not run.
const worker = (exports as unknown as { default: Fetcher }).default;

describe("fetch()", () => {
  it("answers /health without a token", async () => {
    const res = await worker.fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("refuses a route without a token, in the one error shape", async () => {
    const res = await worker.fetch(`${base}/streams/webhooks%3Aoutbox`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("missing_token");
  });

  it("enqueues onto webhooks:outbox, and the entry is in Redis", async () => {
    const marker = crypto.randomUUID();
    const res = await worker.fetch(`${base}/streams/webhooks%3Aoutbox/messages`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ marker, amount: "12.50" }),
    });
    expect(res.status).toBe(201);
    const { ids } = (await res.json()) as { ids: string[] };
    expect(ids).toHaveLength(1);

    const info = await worker.fetch(`${base}/streams/webhooks:outbox`, { headers: auth });
    expect(info.status).toBe(200);
    const stream = (await info.json()) as { exists: boolean; length: number; lastGeneratedId: string };
    expect(stream.exists).toBe(true);
    expect(stream.length).toBeGreaterThan(0);
    // Other tests may enqueue after us; our id was generated at or before the stream's last one.
    expect(BigInt(stream.lastGeneratedId.split("-")[0]!)).toBeGreaterThanOrEqual(BigInt(ids[0]!.split("-")[0]!));
    // And the entry itself, fields exactly as sent, read straight from Redis.
    // (Without automatic deserialization the client answers XRANGE's raw reply.)
    expect(await redis.xrange("webhooks:outbox", ids[0]!, ids[0]!)).toEqual([[ids[0], ["marker", marker, "amount", "12.50"]]]);
  });
});
