/**
 * Several databases for partitioned tests: each its own `redis-server`
 * behind its own bridge, reached with the client as the Worker builds it,
 * plus a TCP client to read what each really holds. Faults can be set per
 * database at any time (`faults`), as on `faultyBridge`.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { Transport } from "../../src/core/redis/transport.js";
import { createRedisBackend } from "../../src/dev/bridge/redis-backend.js";
import type { FaultContext, Faults } from "../../src/dev/bridge/faults.js";
import type { BridgeStats } from "../../src/dev/bridge/server.js";
import { startBridge } from "../../src/dev/bridge/server.js";
import { bridgeTransport } from "./engine.js";
import type { RedisTcp } from "./keys.js";
import { redisTcp } from "./keys.js";
import { startRedisServer } from "./redis-server.js";

export interface Database {
  /** The bridge, as `UPSTASH_REDIS_REST_URL`/`_TOKEN` would name it. */
  env: { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string };
  transport: Transport;
  tcp: RedisTcp;
  readonly stats: BridgeStats;
  /** Replace to inject faults into this database's bridge from now on. */
  faults: Faults;
  close(): Promise<void>;
}

export async function startDatabase(): Promise<Database> {
  const server = await startRedisServer();
  const backend = await createRedisBackend(server.url);
  const token = randomUUID();
  const db: Partial<Database> = { faults: {} };
  const bridge = await startBridge({
    backend,
    token,
    faults: {
      before: (ctx: FaultContext) => db.faults!.before?.(ctx),
      after: (ctx: FaultContext, answer?: unknown) => db.faults!.after?.(ctx, answer),
    },
  });
  const tcp = await redisTcp(server.url);
  return Object.assign(db, {
    env: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: token },
    transport: bridgeTransport(bridge.url, token),
    tcp,
    stats: bridge.stats,
    async close() {
      tcp.destroy();
      await bridge.close();
      await backend.close();
      await server.stop();
    },
  }) as Database;
}

/** `count` databases started before the describe's tests and closed after them; the array fills in `beforeAll`. */
export function useDatabases(count: number): Database[] {
  const dbs: Database[] = [];
  beforeAll(async () => {
    for (let j = 0; j < count; j++) dbs.push(await startDatabase());
  });
  afterAll(async () => {
    await Promise.all(dbs.splice(0).map((d) => d.close()));
  });
  return dbs;
}
