/**
 * Given a bridge over a Redis that goes away, requests answer 503 at once,
 * naming the unreachable Redis, and the bridge serves again by itself once
 * Redis is back on the same port. Uses a redis-server of its own, so stopping
 * it cannot disturb other test files.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../../src/dev/bridge/backend.js";
import { createRedisBackend, redact } from "../../../src/dev/bridge/redis-backend.js";
import { startBridge, type BridgeHandle } from "../../../src/dev/bridge/server.js";
import { startRedisServer, type RedisServer } from "../../support/redis-server.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { raw } from "./support.js";

const TOKEN = "unavailable-test-token";
let redis: RedisServer | undefined;
let backend: Backend;
let bridge: BridgeHandle;
let port: number;
let password: string | undefined;
const log: string[] = [];

describe.skipIf(ON_ENGINE)(realRedisOnly("a bridge whose Redis stops", "a redis-server binary to stop and restart"), () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    port = redis.port;
    password = redis.password;
    backend = await createRedisBackend(redis.url, { log: (line) => log.push(line), maxReconnectDelayMs: 100 });
    bridge = await startBridge({ backend, token: TOKEN, redisLabel: redact(redis.url) });
  });
  afterAll(async () => {
    await bridge.close();
    await backend.close();
    await redis?.stop();
  });

  it("serves while Redis is up", async () => {
    const response = await raw("/", ["SET", "k", "before"], { url: bridge.url, token: TOKEN });
    expect(response).toMatchObject({ status: 200, json: { result: "OK" } });
  });

  it("answers 503 JSON naming the unreachable Redis on every route", async () => {
    await redis?.stop();
    redis = undefined;
    for (const [path, body] of [
      ["/", ["GET", "k"]],
      ["/pipeline", [["GET", "k"]]],
      ["/multi-exec", [["GET", "k"]]],
    ] as const) {
      const response = await raw(path, body, { url: bridge.url, token: TOKEN });
      expect(response.status).toBe(503);
      expect(response.contentType).toBe("application/json");
      expect(response.json).toEqual({
        error: expect.stringMatching(new RegExp(`^Redis unreachable at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: `)),
      });
    }
    expect(log.some((line) => line.includes("unreachable"))).toBe(true);
  });

  it("makes the official client throw with that message, without retrying a status", async () => {
    const client = new Redis({ url: bridge.url, token: TOKEN, enableTelemetry: false });
    const before = bridge.stats.requests;
    await expect(client.get("k")).rejects.toThrow(/Redis unreachable at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    expect(bridge.stats.requests - before).toBe(1);
  });

  it("serves again once Redis is back on the same port", async () => {
    redis = await startRedisServer({ port, password });
    let status = 0;
    // Reconnecting takes up to maxReconnectDelayMs; wait for it without bounding how long it may take.
    while (status !== 200) {
      status = (await raw("/", ["SET", "k", "after"], { url: bridge.url, token: TOKEN })).status;
      if (status !== 200) await sleep(50);
    }
    expect((await raw("/", ["GET", "k"], { url: bridge.url, token: TOKEN })).json).toEqual({ result: "after" });
    expect(log.some((line) => line.includes("reachable again"))).toBe(true);
  });
});
