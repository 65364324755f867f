/**
 * Helpers for tests that talk to the Redis from global setup:
 * - `keygen()`: random key names, so test files can run in parallel, and a
 *   `cleanup()` that deletes them (`afterAll(cleanup)`);
 * - `testRedis()`: the official `@upstash/redis` client pointed at the bridge;
 * - `redisTcp()`: a plain TCP client, to assert what Redis really holds
 *   without going through the code under test;
 * - `redisFixture()`: `keygen()` and `redisTcp()` wired into beforeAll/afterAll.
 */
import { randomUUID } from "node:crypto";
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import { createClient } from "redis";
import { afterAll, beforeAll, inject } from "vitest";

export interface Keygen {
  /** A fresh key name, `test:<prefix>:<uuid>`. */
  newKey(prefix?: string): string;
  /** Deletes every key `newKey` handed out. */
  cleanup(): Promise<void>;
}

export function keygen(): Keygen {
  const keys = new Set<string>();
  return {
    newKey(prefix = "key") {
      const key = `test:${prefix}:${randomUUID()}`;
      keys.add(key);
      return key;
    },
    async cleanup() {
      if (keys.size === 0) return;
      const redis = await redisTcp();
      try {
        await redis.del([...keys]);
        keys.clear();
      } finally {
        redis.destroy();
      }
    },
  };
}

/**
 * The official client at its defaults (base64 responses, automatic
 * deserialization, retries), pointed at the bridge; `overrides` change any of them.
 */
export function testRedis(overrides: Partial<RedisConfigNodejs> = {}): Redis {
  return new Redis({ url: inject("bridgeUrl"), token: inject("bridgeToken"), enableTelemetry: false, ...overrides });
}

export type RedisTcp = ReturnType<typeof createClient>;

/** A connected RESP2 TCP client to the test Redis; `destroy()` it when done. */
export async function redisTcp(url: string = inject("redisUrl")): Promise<RedisTcp> {
  const client = createClient({ url, RESP: 2 });
  client.on("error", () => {
    // Connection errors surface on the command that hits them.
  });
  await client.connect();
  return client;
}

export interface RedisFixture {
  newKey: Keygen["newKey"];
  /** Connected in beforeAll; reading it earlier throws. */
  readonly tcp: RedisTcp;
}

/**
 * For a test file: registers a beforeAll that connects `tcp`, and an afterAll
 * that deletes every key from `newKey` and disconnects.
 */
export function redisFixture(): RedisFixture {
  const { newKey, cleanup } = keygen();
  let client: RedisTcp | undefined;
  beforeAll(async () => {
    client = await redisTcp();
  });
  afterAll(async () => {
    await cleanup();
    client?.destroy();
  });
  return {
    newKey,
    get tcp() {
      if (!client) throw new Error("redisFixture().tcp is connected in beforeAll; use it inside tests or hooks");
      return client;
    },
  };
}
