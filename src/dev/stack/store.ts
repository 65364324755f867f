/**
 * The stream store behind the bridge, picked the way a newcomer's machine
 * allows: `REDIS_URL` when set; else a `redis-server` from PATH, persistent
 * under `<dir>/redis`; else the embedded engine, persistent under
 * `<dir>/engine`. Each is a bridge `Backend`, so everything above the
 * bridge is the same whichever is chosen. node-redis, which the first two
 * need, is an optional peer dependency of the package (11 MiB installed): a
 * project without it gets the embedded engine, and is told why.
 */
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Backend } from "../bridge/backend.js";
import { freePort } from "./ports.js";
import { onPath, spawnRedisServer } from "./redis-server.js";

export type StoreKind = "redis-url" | "redis-server" | "embedded";

export interface StoreOptions {
  /** `.cronsumer` or wherever the stack keeps its state. */
  dir: string;
  /** Takes precedence over everything but `kind`. */
  redisUrl?: string;
  /** Forces a kind instead of choosing. */
  kind?: StoreKind;
  /** Where to look for `redis-server`. @default process.env.PATH */
  path?: string;
  log?: (line: string) => void;
}

export interface Store {
  kind: StoreKind;
  backend: Backend;
  /** The Redis the backend talks to; absent for the embedded engine. */
  redisUrl?: string;
  /** Processes this store spawned (the redis-server), for whoever checks that stop() left none. */
  pids: number[];
  /** One line for the banner: what was chosen and why. */
  describe: string;
  /** Closes the backend, then stops what was spawned. */
  stop(): Promise<void>;
}

export class StoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
  }
}

type RedisModule = typeof import("../bridge/redis-backend.js");

/** The node-redis backend, or undefined when the `redis` package is not installed. */
export async function loadRedisBackend(): Promise<RedisModule | undefined> {
  try {
    return await import("../bridge/redis-backend.js");
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === "ERR_MODULE_NOT_FOUND" && /['"]redis['"]/.test(message)) return undefined;
    throw error;
  }
}

const NO_CLIENT = "the optional `redis` package is not installed (npm install redis)";

export async function startStore(options: StoreOptions): Promise<Store> {
  const { dir, redisUrl, path = process.env.PATH ?? "", log = () => {} } = options;
  const wantsRedis = options.kind ? options.kind !== "embedded" : Boolean(redisUrl) || onPath("redis-server", path);
  const redis = wantsRedis ? await loadRedisBackend() : undefined;
  if (wantsRedis && !redis && (options.kind || redisUrl)) throw new StoreError(`${options.kind ? `store ${options.kind}` : "REDIS_URL"} needs a Redis client: ${NO_CLIENT}`);
  const kind: StoreKind = options.kind ?? (redisUrl ? "redis-url" : redis ? "redis-server" : "embedded");
  const why = options.kind
    ? "forced"
    : kind === "redis-server"
      ? "found on PATH"
      : wantsRedis
        ? `redis-server is on PATH, but ${NO_CLIENT}`
        : "no REDIS_URL, no redis-server on PATH";

  if (kind === "redis-url") {
    if (!redisUrl) throw new StoreError("store redis-url needs REDIS_URL");
    const { redact } = redis!;
    const backend = await connect(redis!, redisUrl, log, `REDIS_URL=${redact(redisUrl)}`);
    return { kind, backend, redisUrl, pids: [], describe: `Redis at ${redact(redisUrl)} (REDIS_URL)`, stop: () => backend.close() };
  }

  if (kind === "redis-server") {
    const dataDir = join(dir, "redis");
    await mkdir(dataDir, { recursive: true });
    // The append-only file holds every message: no other local user reads it.
    await chmod(dataDir, 0o700);
    const server = await spawnRedisServer({ port: await freePort(), dir: dataDir, persist: true, detached: true });
    const { redact } = redis!;
    const backend = await connect(redis!, server.url, log, "the spawned redis-server").catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    return {
      kind,
      backend,
      redisUrl: server.url,
      pids: [server.pid],
      describe: `redis-server on ${redact(server.url)} (${why}, password in stack.json), data in ${dataDir}`,
      async stop() {
        await backend.close();
        await server.stop();
      },
    };
  }

  const dataDir = join(dir, "engine");
  await mkdir(dataDir, { recursive: true });
  // Loaded only when chosen: a machine with Redis never needs it.
  const { createEngineBackend } = await import("../engine/index.js");
  const backend = await createEngineBackend({ dataDir });
  return {
    kind,
    backend,
    pids: [],
    describe: `embedded engine (${why}), data in ${dataDir}`,
    stop: () => backend.close(),
  };
}

/** A store that does not answer PING fails the start, rather than every request after it. */
async function connect(redis: RedisModule, url: string, log: (line: string) => void, label: string): Promise<Backend> {
  const backend = await redis.createRedisBackend(url, { log });
  const pong = await backend.command(["PING"]).catch((error: unknown) => ({ error: (error as Error).message }));
  if ("result" in pong && pong.result === "PONG") return backend;
  await backend.close();
  throw new StoreError(`${label} does not answer PING: ${"error" in pong ? pong.error : JSON.stringify(pong)}`);
}
