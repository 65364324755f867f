/**
 * Where a test harness keeps its streams. By default the embedded engine,
 * in memory and in process, on the harness's clock: no Redis and no
 * network. An environment variable points the same test at a real store:
 * - `CRONSUMER_TEST_REDIS_URL=redis://…`: a Redis over TCP;
 * - `CRONSUMER_TEST_UPSTASH_URL` and `CRONSUMER_TEST_UPSTASH_TOKEN`: an
 *   Upstash database (or any Upstash REST endpoint, such as the bridge).
 * Their names are cronsumer's own, not UPSTASH_REDIS_REST_*, so a
 * production credential in the shell never reaches a test by accident.
 * A real store keeps its own clock: there, `advance(ms)` waits.
 */
import { Redis } from "@upstash/redis";
import { ConfigError } from "../core/redis/errors.js";
import type { Transport } from "../core/redis/transport.js";
import { upstashTransport } from "../core/redis/upstash-transport.js";
import { loadRedisBackend } from "../dev/stack/store.js";
import { backendTransport } from "./backend-transport.js";

export type TestStoreKind = "memory" | "redis" | "upstash";

export interface TestStore {
  kind: TestStoreKind;
  transport: Transport;
  close(): Promise<void>;
}

export async function openTestStore(env: Record<string, string | undefined>, now: () => number): Promise<TestStore> {
  const redisUrl = env.CRONSUMER_TEST_REDIS_URL;
  const upstashUrl = env.CRONSUMER_TEST_UPSTASH_URL;
  if (redisUrl && upstashUrl) throw new ConfigError("set CRONSUMER_TEST_REDIS_URL or CRONSUMER_TEST_UPSTASH_URL, not both");
  if (upstashUrl) {
    const token = env.CRONSUMER_TEST_UPSTASH_TOKEN;
    if (!token) throw new ConfigError("CRONSUMER_TEST_UPSTASH_URL needs CRONSUMER_TEST_UPSTASH_TOKEN");
    const redis = new Redis({ url: upstashUrl, token, retry: { retries: 0 }, automaticDeserialization: false, enableTelemetry: false });
    return { kind: "upstash", transport: upstashTransport(redis), close: async () => {} };
  }
  // Loaded only when chosen: the in-memory default needs no Redis client.
  let backend;
  if (redisUrl) {
    const redis = await loadRedisBackend();
    if (!redis) throw new ConfigError("CRONSUMER_TEST_REDIS_URL needs a Redis client: the optional `redis` package is not installed (npm install --save-dev redis)");
    backend = await redis.createRedisBackend(redisUrl);
  } else {
    backend = await (await import("../dev/engine/index.js")).createEngineBackend({ now });
  }
  return { kind: redisUrl ? "redis" : "memory", transport: backendTransport(backend), close: () => backend.close() };
}
