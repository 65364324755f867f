/**
 * What the bridge refuses, and what it must still forward: blocking reads
 * however their names are spelled, and server administration that would let
 * a token holder read the Redis password, stop the server or stall every
 * request. Every request that could hang carries a timeout, and goes to a
 * bridge of its own, so a regression fails this file instead of stalling
 * the shared bridge.
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../../src/dev/bridge/backend.js";
import { createRedisBackend } from "../../../src/dev/bridge/redis-backend.js";
import { startBridge, type BridgeHandle } from "../../../src/dev/bridge/server.js";
import { redisFixture } from "../../support/keys.js";
import { startRedisServer, type RedisServer } from "../../support/redis-server.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { privateBridge, raw, type PrivateBridge } from "./support.js";

const db = redisFixture();
const { newKey } = db;
const HANG_MS = 3_000;

let own: PrivateBridge;
beforeAll(async () => {
  own = await privateBridge();
});
afterAll(() => own?.close());

/** POST / to the private bridge, failing instead of waiting past HANG_MS. */
function send(argv: string[]) {
  return raw("/", argv, { url: own.bridge.url, token: own.token, signal: AbortSignal.timeout(HANG_MS) });
}

function client(): Redis {
  return own.client({ retry: { retries: 0 }, signal: () => AbortSignal.timeout(HANG_MS) });
}

/** A stream with an empty group named `group`: reading it with `>` would wait for a new entry. */
async function streamWithGroup(group: string): Promise<string> {
  const key = newKey("stream");
  await db.tcp.sendCommand(["XGROUP", "CREATE", key, group, "$", "MKSTREAM"]);
  return key;
}

/** If a blocked read did reach Redis, an entry releases it so the connection does not stay stuck. */
async function release(key: string): Promise<void> {
  await db.tcp.sendCommand(["XADD", key, "*", "release", "1"]);
}

describe("blocking reads are refused however the names are spelled", () => {
  it.each([
    ["a group named STREAMS", (s: string) => ["XREADGROUP", "GROUP", "STREAMS", "c", "BLOCK", "0", "STREAMS", s, ">"], "STREAMS"],
    ["a consumer named STREAMS", (s: string) => ["XREADGROUP", "GROUP", "g", "STREAMS", "BLOCK", "0", "STREAMS", s, ">"], "g"],
    ["COUNT before BLOCK", (s: string) => ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "0", "STREAMS", s, ">"], "g"],
    ["NOACK before BLOCK", (s: string) => ["xreadgroup", "group", "g", "c", "noack", "block", "0", "streams", s, ">"], "g"],
  ])("XREADGROUP with %s answers 400 at once", async (_, argv, group) => {
    const key = await streamWithGroup(group);
    try {
      const response = await send(argv(key));
      expect(response.status).toBe(400);
      expect(response.json).toEqual({ error: expect.stringMatching(/^ERR Command is not allowed: XREADGROUP blocks/) });
    } finally {
      await release(key);
    }
    expect((await send(["PING"])).json).toEqual({ result: "PONG" });
  });

  it("refuses XREAD ... BLOCK through the official client", async () => {
    const key = await streamWithGroup("STREAMS");
    try {
      await expect(client().xreadgroup("STREAMS", "c", key, ">", { blockMS: 0 })).rejects.toThrow(/XREADGROUP blocks/);
      await expect(client().xread(key, "$", { blockMS: 0 })).rejects.toThrow(/XREAD blocks/);
    } finally {
      await release(key);
    }
  });

  it.each([["BLPOP"], ["BRPOP"], ["BZPOPMIN"], ["BZPOPMAX"]])("refuses %s", async (name) => {
    const response = await send([name, newKey(), "0"]);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: `ERR Command is not allowed: ${name} blocks, and blocking reads are not supported over REST` });
  });

  it("refuses BLMOVE and WAIT", async () => {
    expect((await send(["BLMOVE", newKey(), newKey(), "LEFT", "RIGHT", "0"])).status).toBe(400);
    expect((await send(["WAIT", "1", "0"])).json).toEqual({ error: expect.stringMatching(/WAIT blocks/) });
  });
});

describe("reads that merely name BLOCK are forwarded", () => {
  it("reads from a group named BLOCK, as consumer BLOCK", async () => {
    const key = await streamWithGroup("BLOCK");
    await db.tcp.sendCommand(["XADD", key, "1-1", "f", "v"]);
    const response = await send(["XREADGROUP", "GROUP", "BLOCK", "BLOCK", "COUNT", "1", "STREAMS", key, ">"]);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ result: [[key, [["1-1", ["f", "v"]]]]] });
    expect(await db.tcp.sendCommand(["XPENDING", key, "BLOCK"])).toEqual([1, "1-1", "1-1", [["BLOCK", "1"]]]);
  });

  it("reads a stream named BLOCK through the official client", async () => {
    const key = "BLOCK";
    try {
      await db.tcp.sendCommand(["XGROUP", "CREATE", key, "g", "0", "MKSTREAM"]);
      await db.tcp.sendCommand(["XADD", key, "1-1", "f", "v"]);
      const read = await client().xreadgroup("g", "c", key, ">", { count: 1 });
      expect(read).toEqual([[key, [["1-1", ["f", "v"]]]]]);
      expect((await send(["XREAD", "COUNT", "1", "STREAMS", "BLOCK", "0"])).json).toEqual({ result: [[key, [["1-1", ["f", "v"]]]]] });
    } finally {
      await db.tcp.del(key);
    }
  });
});

describe.skipIf(ON_ENGINE)(realRedisOnly("server administration is refused", "a redis-server of its own to try SHUTDOWN on"), () => {
  let redis: RedisServer;
  let backend: Backend;
  let bridge: BridgeHandle;
  const TOKEN = "admin-test-token";
  const post = (path: string, body: unknown) => raw(path, body, { url: bridge.url, token: TOKEN, signal: AbortSignal.timeout(HANG_MS) });

  beforeAll(async () => {
    redis = await startRedisServer();
    backend = await createRedisBackend(redis.url);
    bridge = await startBridge({ backend, token: TOKEN });
  });
  afterAll(async () => {
    await bridge?.close();
    await backend?.close();
    await redis?.stop();
  });

  it.each([
    [["CONFIG", "GET", "requirepass"]],
    [["CONFIG", "SET", "requirepass", "locked-out"]],
    [["SHUTDOWN", "NOSAVE"]],
    [["DEBUG", "SLEEP", "5"]],
    [["ACL", "SETUSER", "default", "off"]],
    [["REPLICAOF", "127.0.0.1", "1"]],
    [["SLAVEOF", "127.0.0.1", "1"]],
    [["MODULE", "LIST"]],
    [["SAVE"]],
    [["BGSAVE"]],
    [["BGREWRITEAOF"]],
    [["FAILOVER"]],
    [["SWAPDB", "0", "1"]],
    [["MIGRATE", "127.0.0.1", "1", "k", "0", "1000"]],
    [["SCRIPT", "KILL"]],
    [["SCRIPT", "DEBUG", "SYNC"]],
  ])("answers 400 to %j, and the server still serves", async (argv) => {
    const response = await post("/", argv);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: expect.stringMatching(/^ERR Command is not allowed: /) });
    expect((await post("/", ["PING"])).json).toEqual({ result: "PONG" });
  });

  it("refuses them inside a pipeline and a transaction too", async () => {
    const pipeline = await post("/pipeline", [["CONFIG", "GET", "*"], ["PING"]]);
    expect(pipeline.json).toEqual([{ error: expect.stringMatching(/CONFIG administers the server/) }, { result: "PONG" }]);
    const multi = await post("/multi-exec", [["SET", "k", "1"], ["SHUTDOWN"]]);
    expect(multi.status).toBe(400);
    expect(multi.json).toEqual({ error: expect.stringMatching(/^EXECABORT .*SHUTDOWN/) });
  });

  it("cannot be reached through a script either", async () => {
    const response = await post("/", ["EVAL", "return redis.call('CONFIG', 'GET', 'requirepass')", "0"]);
    expect(response.status).toBe(400);
    expect((response.json as { error: string }).error).toMatch(/not allowed from script/);
  });

  it("still forwards what Upstash offers: FLUSHDB, DBSIZE, TIME, SCRIPT LOAD", async () => {
    expect((await post("/", ["SET", "k", "v"])).json).toEqual({ result: "OK" });
    expect((await post("/", ["FLUSHDB"])).json).toEqual({ result: "OK" });
    expect((await post("/", ["DBSIZE"])).json).toEqual({ result: 0 });
    expect((await post("/", ["TIME"])).status).toBe(200);
    expect((await post("/", ["SCRIPT", "LOAD", "return 1"])).json).toEqual({ result: expect.stringMatching(/^[0-9a-f]{40}$/) });
  });
});
