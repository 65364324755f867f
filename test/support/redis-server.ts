/**
 * A throwaway Redis for tests: `redis-server` from PATH on a free port of
 * 127.0.0.1, no persistence, its own temp dir and a random password, so test
 * runs never touch a system Redis or each other, and no other local user
 * reaches theirs. Spawning is the local stack's
 * (src/dev/stack/redis-server.ts); this adds the temp dir and port retries.
 * `resolveTestStore` decides what the suite runs against: the embedded
 * engine when there is no Redis at all.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/dev/stack/ports.js";
import { onPath, spawnRedisServer } from "../../src/dev/stack/redis-server.js";

export interface RedisServer {
  /** Carries the password when this suite spawned the server: `redact` it before printing. */
  url: string;
  port: number;
  /** The spawned server's `requirepass`, to restart it for clients that reconnect; none for REDIS_URL. */
  password?: string;
  stop(): Promise<void>;
}

export const NO_REDIS_MESSAGE =
  "No Redis for the tests: install one with `apt-get install -y redis-server`, or set REDIS_URL=redis://host:port.";

/** `REDIS_URL` when set (left running at the end), else a spawned `redis-server`. */
export async function resolveRedis(): Promise<RedisServer> {
  const given = process.env.REDIS_URL;
  if (given) {
    return { url: given, port: Number(new URL(given).port || 6379), stop: async () => {} };
  }
  if (!onPath("redis-server")) throw new Error(NO_REDIS_MESSAGE);
  return startRedisServer();
}

/** What the test suite runs against: a real Redis, or the embedded engine with the one line that says why. */
export type TestStore = { kind: "redis"; server: RedisServer } | { kind: "engine"; notice: string };

/**
 * `resolveRedis`, falling back to the embedded engine when there is no Redis.
 * `CRONSUMER_TEST_STORE=engine` forces the engine; `=redis` forbids the
 * fallback, so no Redis is an error.
 */
export async function resolveTestStore(): Promise<TestStore> {
  const forced = process.env.CRONSUMER_TEST_STORE ?? "";
  if (forced === "engine") {
    return {
      kind: "engine",
      notice: "tests: CRONSUMER_TEST_STORE=engine: running against the embedded engine; the differential suite and the redis-server tests are skipped",
    };
  }
  if (forced !== "" && forced !== "redis") {
    throw new Error(`CRONSUMER_TEST_STORE must be "engine" or "redis"; got ${JSON.stringify(forced)}`);
  }
  if (forced === "redis" || process.env.REDIS_URL || onPath("redis-server")) {
    return { kind: "redis", server: await resolveRedis() };
  }
  return {
    kind: "engine",
    notice:
      "tests: no Redis found (REDIS_URL unset, no redis-server on PATH): running against the embedded engine; install redis-server to run the differential suite",
  };
}

export interface StartRedisOptions {
  /** A fixed port, e.g. to restart a stopped server where clients expect it. Default: a free one. */
  port?: number;
  /** The password clients already use, with `port`, for a restart. Default: a random one. */
  password?: string;
}

export async function startRedisServer({ port, password }: StartRedisOptions = {}): Promise<RedisServer> {
  if (port !== undefined) return spawnOn(port, password);
  // The free port can be taken between probing and binding: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await spawnOn(await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function spawnOn(port: number, password?: string): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "cronsumer-redis-"));
  try {
    const server = await spawnRedisServer({ port, dir, password });
    return {
      url: server.url,
      port,
      password: server.password,
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
