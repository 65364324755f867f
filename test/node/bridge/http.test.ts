/**
 * The HTTP surface around the commands: auth, malformed bodies, routes, the
 * body limit, the sync token and the latency knob. Every answer is JSON.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisFixture, testRedis } from "../../support/keys.js";
import { privateBridge, raw, type PrivateBridge } from "./support.js";

const db = redisFixture();
const { newKey } = db;

describe("auth", () => {
  it.each([
    ["a missing token", { token: null }],
    ["a wrong token", { token: "not-the-token" }],
    ["a malformed header", { token: null, headers: { Authorization: "Basic dXNlcjpwYXNz" } }],
    ["an empty bearer", { token: null, headers: { Authorization: "Bearer " } }],
  ])("answers 401 JSON to %s and runs nothing", async (_, options) => {
    const key = newKey();
    const response = await raw("/", ["SET", key, "x"], options);
    expect(response.status).toBe(401);
    expect(response.contentType).toBe("application/json");
    expect(response.json).toEqual({ error: expect.stringMatching(/^Unauthorized/) });
    expect(await db.tcp.exists(key)).toBe(0);
  });

  it("makes the official client throw on a wrong token", async () => {
    await expect(testRedis({ token: "wrong" }).ping()).rejects.toThrow(/Unauthorized/);
  });
});

describe("malformed requests answer 400 with what is wrong", () => {
  it.each([
    ["/", "not json", /not valid JSON/],
    ["/", {}, /must be a command array.*an object/],
    ["/", [], /empty array/],
    ["/", [1, 2], /must start with the command name as a string, got a number/],
    ["/", ["SET", "k", { v: 1 }], /argument 2: expected a string, number or boolean, got an object/],
    ["/", ["SET", "k", null], /argument 2: .*got null/],
    ["/pipeline", ["SET", "k", "v"], /Command 1 must be a command array/],
    ["/pipeline", [], /at least one command/],
    ["/pipeline", {}, /must be an array of commands/],
    ["/multi-exec", [["SET", "k", "v"], [["nested"]]], /Command 2 must start with the command name/],
  ])("POST %s %j", async (path, body, message) => {
    const response = await raw(path, body);
    expect(response.status).toBe(400);
    expect(response.contentType).toBe("application/json");
    expect((response.json as { error: string }).error).toMatch(message);
  });

  it("answers 400 with Redis's own message for a Redis error on /", async () => {
    const key = newKey();
    await db.tcp.sendCommand(["XADD", key, "*", "f", "v"]);
    await db.tcp.sendCommand(["XGROUP", "CREATE", key, "g", "0"]);
    const response = await raw("/", ["XGROUP", "CREATE", key, "g", "0"]);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: "BUSYGROUP Consumer Group name already exists" });
    expect((await raw("/", ["NOSUCHCOMMAND"])).json).toEqual({
      error: expect.stringMatching(/^ERR unknown command 'NOSUCHCOMMAND'/),
    });
  });

  it("surfaces that message through the official client", async () => {
    await expect(testRedis().xack(newKey(), "nogroup", "1-1")).resolves.toBe(0);
    await expect(testRedis().xgroup(newKey(), { type: "CREATE", group: "g", id: "0" })).rejects.toThrow(
      /ERR The XGROUP subcommand requires the key to exist/,
    );
  });
});

describe("routes", () => {
  it("answers 404 to an unknown route", async () => {
    const response = await raw("/nope", ["PING"]);
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: expect.stringMatching(/Not found: \/nope/) });
  });

  it("answers 405 to a GET on a known route", async () => {
    const response = await raw("/pipeline", undefined, { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });
});

describe("the body limit", () => {
  let small: PrivateBridge;
  beforeAll(async () => {
    small = await privateBridge({ maxBodyBytes: 1024 });
  });
  afterAll(() => small.close());

  it("answers 413 to a body over maxBodyBytes and runs nothing", async () => {
    const key = newKey();
    const response = await raw("/", ["SET", key, "x".repeat(4096)], { url: small.bridge.url, token: small.token });
    expect(response.status).toBe(413);
    expect(response.json).toEqual({ error: expect.stringMatching(/larger than the 1024-byte limit/) });
    expect(await db.tcp.exists(key)).toBe(0);
    expect(small.bridge.stats.requests).toBe(0);
  });

  it("stops a streamed body without a length at the limit", async () => {
    const chunk = new TextEncoder().encode(`["SET","${newKey()}","${"y".repeat(600)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 30 MB: more than loopback socket buffers hold, so reading stops visibly.
        if (sent++ < 50_000) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(`${small.bridge.url}/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${small.token}` },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(50_000);
  });

  it("accepts a body just under the limit", async () => {
    const key = newKey();
    const response = await raw("/", ["SET", key, "z".repeat(900)], { url: small.bridge.url, token: small.token });
    expect(response.status).toBe(200);
    expect(await db.tcp.strLen(key)).toBe(900);
  });
});

describe("a body far over the limit", () => {
  const FIFTY_MB = 50 * 1024 * 1024;
  let big: PrivateBridge;
  beforeAll(async () => {
    big = await privateBridge();
  });
  afterAll(() => big.close());

  /**
   * POSTs `size` bytes of a JSON string with node:http on a connection of its own (a pooled
   * keep-alive one could be closed by the server's idle timer, which is not what is tested),
   * declared up front or chunked; resolves with the answer, or rejects if the connection drops first.
   */
  function post(size: number, declared: boolean): Promise<{ status: number; json: unknown }> {
    return new Promise((resolve, reject) => {
      const body = Buffer.from(JSON.stringify(["ECHO", "x".repeat(Math.max(0, size - 11))]));
      const headers: Record<string, string> = { Authorization: `Bearer ${big.token}` };
      if (declared) headers["Content-Length"] = String(body.length);
      const req = request(`${big.bridge.url}/`, { method: "POST", headers, agent: false }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown }));
      });
      req.on("error", reject);
      let sent = 0;
      const write = (): void => {
        while (sent < body.length) {
          const chunk = body.subarray(sent, sent + 1024 * 1024);
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", write);
        }
        req.end();
      };
      write();
    });
  }

  // First, while undici's pool holds no idle connection to this bridge that its next request could pick.
  it("answers fetch's 50 MB body with 413", async () => {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${big.bridge.url}/`, {
        method: "POST",
        headers: { Authorization: `Bearer ${big.token}` },
        body: Buffer.alloc(FIFTY_MB, 0x62),
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ error: "Request body is larger than the 10485760-byte limit" });
    }
  }, 60_000);

  it.each([
    ["with a Content-Length", true],
    ["chunked, without a length", false],
  ])("answers 50 MB %s with 413 JSON, not a dropped connection, every time", async (_, declared) => {
    const before = big.bridge.stats.requests;
    for (let i = 0; i < 3; i++) {
      const response = await post(FIFTY_MB, declared);
      expect(response.status).toBe(413);
      expect(response.json).toEqual({ error: "Request body is larger than the 10485760-byte limit" });
    }
    expect(big.bridge.stats.requests).toBe(before);
  }, 60_000);

  it("stays healthy: a body under the limit is served next", async () => {
    expect(await post(1000, true)).toEqual({ status: 200, json: { result: "x".repeat(989) } });
  });
});

describe("headers and latency", () => {
  it("answers an upstash-sync-token on every response and accepts one back", async () => {
    const first = await raw("/", ["PING"]);
    const token = first.headers.get("upstash-sync-token");
    expect(token).toMatch(/^\d+$/);
    const second = await raw("/", ["PING"], { headers: { "upstash-sync-token": token ?? "" } });
    expect(second.status).toBe(200);
    expect(Number(second.headers.get("upstash-sync-token"))).toBeGreaterThan(Number(token));
    const failed = await raw("/nope", ["PING"]);
    expect(failed.headers.get("upstash-sync-token")).toMatch(/^\d+$/);
  });

  it("adds latencyMs to every request", async () => {
    const slow = await privateBridge({ latencyMs: 150 });
    try {
      const redis = slow.client();
      const started = performance.now();
      expect(await redis.ping()).toBe("PONG");
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
      expect(slow.bridge.stats).toEqual({ requests: 1, commands: 1 });
    } finally {
      await slow.close();
    }
  });

  it("counts requests and commands that reached Redis", async () => {
    const counted = await privateBridge();
    try {
      const redis = counted.client();
      await redis.pipeline().ping().ping().ping().exec();
      await redis.ping();
      await raw("/", ["PING"], { url: counted.bridge.url, token: "wrong" });
      expect(counted.bridge.stats).toEqual({ requests: 2, commands: 4 });
    } finally {
      await counted.close();
    }
  });
});
