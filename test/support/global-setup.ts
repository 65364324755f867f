/**
 * Vitest global setup, run once per `vitest` run for both projects: one store
 * and one bridge in front of it on an ephemeral port with a random token.
 * The store is a real Redis (REDIS_URL, or a spawned `redis-server`) or,
 * when there is none, the embedded engine, reachable over TCP too through
 * its RESP server so the tests' independent view of the store still works.
 * A webhook receiver (receiver.ts) stands in for the outside world that
 * handlers `fetch`. Tests read the addresses with `inject("redisUrl" |
 * "bridgeUrl" | "bridgeToken" | "receiverUrl" | "receiverSecret")`, and `inject("redisKind")` to skip what needs a real
 * Redis; the workers project passes them to miniflare as bindings in
 * vitest.config.ts.
 */
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import type { Backend } from "../../src/dev/bridge/backend.js";
import { createRedisBackend, redact } from "../../src/dev/bridge/redis-backend.js";
import { startBridge, type BridgeHandle } from "../../src/dev/bridge/server.js";
import { createEngineBackend } from "../../src/dev/engine/index.js";
import { startRespServer } from "../../src/dev/engine/resp-server.js";
import { startReceiver } from "./receiver.js";
import { resolveTestStore } from "./redis-server.js";

interface Store {
  kind: "redis" | "engine";
  url: string;
  backend: Backend;
  stop(): Promise<void>;
}

async function realRedis(redis: { url: string; stop(): Promise<void> }): Promise<Store> {
  const backend = await createRedisBackend(redis.url);
  try {
    const pong = await backend.command(["PING"]);
    if (!("result" in pong) || pong.result !== "PONG") throw new Error(JSON.stringify(pong));
  } catch (error) {
    await backend.close();
    await redis.stop();
    throw new Error(`Redis at ${redact(redis.url)} does not answer PING: ${(error as Error).message}`, { cause: error });
  }
  return {
    kind: "redis",
    url: redis.url,
    backend,
    async stop() {
      await backend.close();
      await redis.stop();
    },
  };
}

/** The engine in memory: the bridge calls it directly, TCP clients go through its RESP server. */
async function embeddedEngine(): Promise<Store> {
  const backend = await createEngineBackend();
  const resp = await startRespServer(backend, { port: 0, host: "127.0.0.1" });
  return {
    kind: "engine",
    url: resp.url,
    backend,
    async stop() {
      await resp.close();
      await backend.close();
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const resolved = await resolveTestStore();
  let store: Store;
  if (resolved.kind === "redis") {
    store = await realRedis(resolved.server);
  } else {
    console.log(resolved.notice);
    store = await embeddedEngine();
  }

  const token = randomBytes(24).toString("base64url");
  const label = store.kind === "redis" ? redact(store.url) : `embedded engine (RESP at ${store.url})`;
  let bridge: BridgeHandle;
  try {
    bridge = await startBridge({ backend: store.backend, token, redisLabel: label });
  } catch (error) {
    await store.stop();
    throw error;
  }

  const receiverSecret = randomBytes(16).toString("hex");
  const receiver = await startReceiver(receiverSecret);

  project.provide("redisKind", store.kind);
  project.provide("redisUrl", store.url);
  project.provide("bridgeUrl", bridge.url);
  project.provide("bridgeToken", token);
  project.provide("receiverUrl", receiver.url);
  project.provide("receiverSecret", receiverSecret);

  return async function teardown() {
    await receiver.close();
    await bridge.close();
    await store.stop();
  };
}
