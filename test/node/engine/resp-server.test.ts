/**
 * The engine over TCP (src/dev/engine/resp-server.ts): node-redis v5 in RESP2
 * connects, pipelines and runs multi() against it, and the bytes on the wire
 * are what Redis sends. Runs with or without a real Redis: it starts its own
 * engine.
 */
import { connect } from "node:net";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../../src/dev/bridge/backend.js";
import { createRedisBackend } from "../../../src/dev/bridge/redis-backend.js";
import { createEngineBackend } from "../../../src/dev/engine/index.js";
import { startRespServer, type RespServer } from "../../../src/dev/engine/resp-server.js";

let engine: Backend;
let server: RespServer;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  engine = await createEngineBackend();
  server = await startRespServer(engine, { port: 0, host: "127.0.0.1" });
  client = createClient({ url: server.url, RESP: 2 });
  client.on("error", () => {});
  await client.connect();
});
afterAll(async () => {
  client?.destroy();
  await server?.close();
  await engine?.close();
});

/** Sends `bytes` one byte per write and collects what comes back until `until` matches or the server closes. */
function wire(bytes: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply; got ${JSON.stringify(reply)}`));
    }, 5000);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (until.test(reply)) done();
    });
    socket.on("close", done);
    socket.on("error", reject);
    socket.on("connect", async () => {
      for (const byte of Buffer.from(bytes)) {
        socket.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
    });
  });
}

const cmd = (...argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

describe("the engine's RESP server", () => {
  it("serves node-redis in RESP2: handshake, strings, streams, an empty group read", async () => {
    expect(await client.ping()).toBe("PONG");
    expect(await client.set("s:k", "héllo ✓")).toBe("OK");
    expect(await client.get("s:k")).toBe("héllo ✓");
    expect(await client.get("s:absent")).toBeNull();
    expect(await client.xGroupCreate("s:stream", "g", "0", { MKSTREAM: true })).toBe("OK");
    const id = await client.xAdd("s:stream", "1-1", { f: "v" });
    expect(await client.xReadGroup("g", "c", { key: "s:stream", id: ">" })).toEqual([
      { name: "s:stream", messages: [{ id, message: { f: "v" } }] },
    ]);
    expect(await client.xReadGroup("g", "c", { key: "s:stream", id: ">" })).toBeNull();
    expect(await client.type("s:stream")).toBe("stream");
    await expect(client.sendCommand(["NOSUCHCOMMAND"])).rejects.toThrow(/^ERR unknown command 'NOSUCHCOMMAND'/);
  });

  it("answers pipelined commands on one connection in order", async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, () => client.incr("s:counter")));
    expect(replies).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it("runs multi(): results in order, run-time errors inline, queue-time refusals discard everything", async () => {
    expect(await client.multi().set("s:m", "1").incr("s:m").get("s:m").exec()).toEqual(["OK", 2, "2"]);
    await expect(client.multi().set("s:m", "x").xLen("s:m").exec()).rejects.toMatchObject({
      replies: ["OK", expect.objectContaining({ message: expect.stringMatching(/^WRONGTYPE/) })],
    });
    await expect(client.multi().set("s:never", "1").addCommand(["GET"]).exec()).rejects.toThrow(
      "ERR wrong number of arguments for 'get' command",
    );
    expect(await client.exists("s:never")).toBe(0);
  });

  it("gives the bridge's Redis backend the same transaction answers as the engine itself", async () => {
    const overTcp = await createRedisBackend(server.url);
    try {
      for (const commands of [
        [["SET", "s:t", "1"], ["NOSUCHCOMMAND", "a"]],
        [["SET", "s:t", "1"], ["XLEN", "s:t"], ["GET", "s:t"]],
      ]) {
        expect(await overTcp.transaction(commands)).toEqual(await engine.transaction(commands));
      }
    } finally {
      await overTcp.close();
    }
  });

  it("writes Redis's bytes, whatever the request's chunking", async () => {
    expect(await wire(cmd("SET", "s:w", "v") + cmd("GET", "s:w") + cmd("GET", "s:none"), /\$-1\r\n$/)).toBe(
      "+OK\r\n$1\r\nv\r\n$-1\r\n",
    );
    expect(await wire(cmd("XREAD", "STREAMS", "s:none", "0"), /\r\n$/)).toBe("*-1\r\n");
    expect(await wire(cmd("MULTI") + cmd("SET", "s:w", "2") + cmd("NOPE") + cmd("EXEC"), /EXECABORT.*\r\n$/)).toBe(
      "+OK\r\n+QUEUED\r\n-ERR unknown command 'NOPE', with args beginning with: \r\n" +
        "-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
    expect(await wire(cmd("MULTI") + cmd("SET", "s:w", "3") + cmd("DISCARD") + cmd("EXEC") + cmd("GET", "s:w"), /\$1\r\nv\r\n$/)).toBe(
      "+OK\r\n+QUEUED\r\n+OK\r\n-ERR EXEC without MULTI\r\n$1\r\nv\r\n",
    );
    expect(await wire("PING\r\n*1\r\n#x\r\n", /Protocol error.*\r\n$/)).toBe("+PONG\r\n-ERR Protocol error: expected '$', got '#'\r\n");
  });
});
