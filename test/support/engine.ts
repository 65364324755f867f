/**
 * Helpers for engine tests: a transport through the bridge with the
 * official client (as the Worker builds it), functions on fresh keys, a
 * bridge with injected faults, and ways to look at and age the PEL directly
 * over TCP without going through the code under test.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, inject } from "vitest";
import type { PollingFunction, PollingFunctionDefinition } from "../../src/core/define/define.js";
import { definePollingFunction } from "../../src/core/define/define.js";
import { delayedKey, delayedPayloadsKey, gateKey, pauseKey, reportsKey } from "../../src/core/redis/keys.js";
import type { Transport } from "../../src/core/redis/transport.js";
import { upstashTransport } from "../../src/core/redis/upstash-transport.js";
import { createRedisBackend } from "../../src/dev/bridge/redis-backend.js";
import type { Faults } from "../../src/dev/bridge/faults.js";
import { startBridge } from "../../src/dev/bridge/server.js";
import type { RedisTcp } from "./keys.js";
import { redisTcp } from "./keys.js";

/** The client exactly as the Worker configures it (see src/functions/redis.ts). */
export function bridgeTransport(url: string = inject("bridgeUrl"), token: string = inject("bridgeToken")): Transport {
  return upstashTransport(new Redis({ url, token, retry: { retries: 0 }, automaticDeserialization: false, enableTelemetry: false }));
}

export interface Fixture {
  tcp: RedisTcp;
  /** Creates the function's group at `start` and opens its backpressure and pause gates, as a run that creates it would. */
  createGroup(fn: PollingFunction, start?: string): Promise<void>;
  /** A polling function on fresh keys; `stream`, `group`, `deadLetterStream` are unique unless given. */
  fn(def: Partial<PollingFunctionDefinition> & Pick<PollingFunctionDefinition, "handle">): PollingFunction;
  cleanup(): Promise<void>;
}

export async function fixture(): Promise<Fixture> {
  const tcp = await redisTcp();
  const keys: string[] = [];
  return {
    tcp,
    async createGroup(fn, start = "0") {
      await tcp.xGroupCreate(fn.stream, fn.group, start, { MKSTREAM: true });
      await tcp.xGroupCreate(gateKey(fn.stream), fn.group, "$", { MKSTREAM: true });
      await tcp.xGroupCreate(pauseKey(fn.stream, fn.group), fn.group, "$", { MKSTREAM: true });
    },
    fn(def) {
      const id = randomUUID().slice(0, 8);
      const name = def.name ?? `t-${id}`;
      const stream = def.stream ?? `test:stream:${id}`;
      const options = { deadLetterStream: `${stream}:dlq`, ...def.options };
      keys.push(stream, options.deadLetterStream, reportsKey(name), gateKey(stream), pauseKey(stream, def.group ?? "g"), delayedKey(stream), delayedPayloadsKey(stream), `test:effects:${id}`);
      return definePollingFunction({ name, stream, group: "g", crons: ["* * * * *"], ...def, options });
    },
    async cleanup() {
      if (keys.length > 0) await tcp.del(keys);
      tcp.destroy();
    },
  };
}

/** A fixture set up before the file's tests and cleaned up after them. */
export function useFixture(): Fixture {
  let f: Fixture | undefined;
  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(() => f?.cleanup());
  const ready = () => {
    if (!f) throw new Error("useFixture(): used outside a test");
    return f;
  };
  return {
    get tcp() {
      return ready().tcp;
    },
    fn: (def) => ready().fn(def),
    createGroup: (fn, start) => ready().createGroup(fn, start),
    cleanup: () => ready().cleanup(),
  };
}

/** A second bridge over the same Redis, with faults; for commit-failure tests. */
export async function faultyBridge(faults: Faults): Promise<{ transport: Transport; stats: { requests: number; commands: number }; close(): Promise<void> }> {
  const backend = await createRedisBackend(inject("redisUrl"));
  const token = randomUUID();
  const bridge = await startBridge({ backend, token, faults });
  return {
    transport: bridgeTransport(bridge.url, token),
    stats: bridge.stats,
    async close() {
      await bridge.close();
      await backend.close();
    },
  };
}

export async function enqueue(tcp: RedisTcp, stream: string, messages: Record<string, string>[]): Promise<string[]> {
  const ids: string[] = [];
  for (const fields of messages) ids.push(await tcp.xAdd(stream, "*", fields));
  return ids;
}

export interface Pending {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

export async function pending(tcp: RedisTcp, stream: string, group: string): Promise<Pending[]> {
  const raw = (await tcp.sendCommand(["XPENDING", stream, group, "-", "+", "10000"])) as [string, string, number, number][];
  return raw.map(([id, consumer, idleMs, deliveries]) => ({ id, consumer, idleMs, deliveries }));
}

/** Makes every pending entry look idle for `idleMs`, keeping its owner and delivery count. */
export async function age(tcp: RedisTcp, stream: string, group: string, idleMs: number): Promise<void> {
  for (const p of await pending(tcp, stream, group)) {
    await tcp.sendCommand(["XCLAIM", stream, group, p.consumer, "0", p.id, "IDLE", String(idleMs), "JUSTID"]);
  }
}

export async function entries(tcp: RedisTcp, stream: string): Promise<{ id: string; message: Record<string, string> }[]> {
  return (await tcp.xRange(stream, "-", "+")) as { id: string; message: Record<string, string> }[];
}
