/**
 * What every scenario runs on: one real Redis (spawned, or REDIS_URL), one
 * bridge backend, and one bridge per injected round-trip delay. Everything it
 * starts is stopped by `close()`, which main.ts also calls on Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import type { Backend } from "../../src/dev/bridge/backend.js";
import { createRedisBackend } from "../../src/dev/bridge/redis-backend.js";
import type { BridgeHandle, BridgeStats } from "../../src/dev/bridge/server.js";
import { startBridge } from "../../src/dev/bridge/server.js";
import type { RedisServer } from "../../test/support/redis-server.js";
import { resolveRedis } from "../../test/support/redis-server.js";
import type { Env } from "../../src/env.js";

export type Tcp = ReturnType<typeof createClient>;

export interface BenchBridge {
  delayMs: number;
  url: string;
  token: string;
  /** Cumulative; take deltas around a contender. */
  stats: BridgeStats;
  /** The Worker's bindings pointing at this bridge: `transportFromEnv(env)` builds the client exactly as the Worker does. */
  env: Env;
}

export interface Stack {
  redisUrl: string;
  redisVersion: string;
  /** Setup, checks and cleanup over TCP; never counted. */
  tcp: Tcp;
  bridge(delayMs: number): Promise<BenchBridge>;
  /** Keys to delete at the next `sweep()` (matters only with REDIS_URL: a spawned Redis is thrown away). */
  track(...keys: string[]): void;
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const server: RedisServer = await resolveRedis();
  const closers: (() => Promise<unknown>)[] = [() => server.stop()];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const tcp = createClient({ url: server.url, RESP: 2 });
    tcp.on("error", () => undefined);
    await tcp.connect();
    closers.push(async () => tcp.destroy());
    const info = String(await tcp.sendCommand(["INFO", "server"]));
    const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
    const backend: Backend = await createRedisBackend(server.url);
    closers.push(() => backend.close());

    const bridges = new Map<number, Promise<BenchBridge>>();
    const keys = new Set<string>();
    return {
      redisUrl: server.url,
      redisVersion,
      tcp,
      bridge(delayMs) {
        let b = bridges.get(delayMs);
        if (!b) {
          const token = randomBytes(18).toString("base64url");
          b = startBridge({ backend, token, latencyMs: delayMs }).then((handle: BridgeHandle) => {
            closers.push(() => handle.close());
            return { delayMs, url: handle.url, token, stats: handle.stats, env: { UPSTASH_REDIS_REST_URL: handle.url, UPSTASH_REDIS_REST_TOKEN: token } };
          });
          bridges.set(delayMs, b);
        }
        return b;
      },
      track(...k) {
        for (const key of k) keys.add(key);
      },
      async sweep() {
        const list = [...keys];
        keys.clear();
        for (let i = 0; i < list.length; i += 500) await tcp.del(list.slice(i, i + 500));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
