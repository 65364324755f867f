/**
 * A throwaway Redis for tests: `redis-server` from PATH on a free port of
 * 127.0.0.1, no persistence, its own temp dir, so test runs never touch a
 * system Redis or each other. Spawning is the local stack's
 * (tools/stack/redis-server.ts); this adds the temp dir and port retries.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../tools/stack/ports.js";
import { onPath, spawnRedisServer } from "../../tools/stack/redis-server.js";

export interface RedisServer {
  url: string;
  port: number;
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

export interface StartRedisOptions {
  /** A fixed port, e.g. to restart a stopped server where clients expect it. Default: a free one. */
  port?: number;
}

export async function startRedisServer({ port }: StartRedisOptions = {}): Promise<RedisServer> {
  if (port !== undefined) return spawnOn(port);
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

async function spawnOn(port: number): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "cronsumer-redis-"));
  try {
    const server = await spawnRedisServer({ port, dir });
    return {
      url: server.url,
      port,
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
