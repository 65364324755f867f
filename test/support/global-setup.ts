/**
 * Vitest global setup, run once per `vitest` run for both projects: one Redis
 * (REDIS_URL, or a spawned `redis-server`) and one bridge in front of it on an
 * ephemeral port with a random token. Tests read the addresses with
 * `inject("redisUrl" | "bridgeUrl" | "bridgeToken")`; the workers project
 * passes them to miniflare as bindings in vitest.config.ts.
 */
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { createRedisBackend, redact } from "../../tools/bridge/redis-backend.js";
import { startBridge } from "../../tools/bridge/server.js";
import { resolveRedis } from "./redis-server.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await resolveRedis();
  const backend = await createRedisBackend(redis.url);
  try {
    const pong = await backend.command(["PING"]);
    if (!("result" in pong) || pong.result !== "PONG") throw new Error(JSON.stringify(pong));
  } catch (error) {
    await backend.close();
    await redis.stop();
    throw new Error(`Redis at ${redact(redis.url)} does not answer PING: ${(error as Error).message}`, { cause: error });
  }

  const token = randomBytes(24).toString("base64url");
  const bridge = await startBridge({ backend, token, redisLabel: redact(redis.url) });

  project.provide("redisUrl", redis.url);
  project.provide("bridgeUrl", bridge.url);
  project.provide("bridgeToken", token);

  return async function teardown() {
    await bridge.close();
    await backend.close();
    await redis.stop();
  };
}
