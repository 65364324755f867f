/**
 * `Upstash-Encoding: base64`: given stream replies that nest strings, numbers
 * and nil three deep, the bridge encodes every string at every depth and
 * nothing else, and the official client decodes them back to what Redis holds.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { redisFixture, testRedis } from "../../support/keys.js";
import { raw } from "./support.js";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
type Reply = string | number | null | Reply[];
const encodeStrings = (reply: Reply): Reply =>
  typeof reply === "string" ? b64(reply) : Array.isArray(reply) ? reply.map(encodeStrings) : reply;
const BASE64 = { "Upstash-Encoding": "base64" };

const db = redisFixture();
const { newKey } = db;

describe("a stream written through the official client", () => {
  const stream = newKey("stream");
  const fields = { n: "42", flag: "true", text: "héllo ✓ 日本", json: '{"a":1}' };
  let id: string;

  beforeAll(async () => {
    id = await testRedis().xadd(stream, "*", fields);
  });

  it("is stored in Redis as the exact strings sent", async () => {
    expect(await db.tcp.sendCommand(["XRANGE", stream, "-", "+"])).toEqual([
      [id, ["n", "42", "flag", "true", "text", "héllo ✓ 日本", "json", '{"a":1}']],
    ]);
  });

  it("comes back plain without the header, base64 at every depth with it", async () => {
    const plain = await raw("/", ["XRANGE", stream, "-", "+"]);
    expect(plain.status).toBe(200);
    expect(plain.json).toEqual({
      result: [[id, ["n", "42", "flag", "true", "text", "héllo ✓ 日本", "json", '{"a":1}']]],
    });

    const encoded = await raw("/", ["XRANGE", stream, "-", "+"], { headers: BASE64 });
    expect(encoded.status).toBe(200);
    expect(encoded.json).toEqual({
      result: [[b64(id), [b64("n"), b64("42"), b64("flag"), b64("true"), b64("text"), b64("héllo ✓ 日本"), b64("json"), b64('{"a":1}')]]],
    });
  });

  it("is JSON-parsed by the client by default: '42' becomes 42, 'true' becomes true", async () => {
    expect(await testRedis().xrange(stream, "-", "+")).toEqual({
      [id]: { n: 42, flag: true, text: "héllo ✓ 日本", json: { a: 1 } },
    });
  });

  it("keeps every value a string with automaticDeserialization: false", async () => {
    const redis = testRedis({ automaticDeserialization: false });
    expect(await redis.xrange(stream, "-", "+")).toEqual([
      [id, ["n", "42", "flag", "true", "text", "héllo ✓ 日本", "json", '{"a":1}']],
    ]);
  });
});

describe("a reply nesting numbers and nil", () => {
  const stream = newKey("stream");

  beforeAll(async () => {
    await db.tcp.sendCommand(["XADD", stream, "1-1", "f", "gone"]);
    await db.tcp.sendCommand(["XADD", stream, "2-1", "f", "7"]);
    await db.tcp.sendCommand(["XGROUP", "CREATE", stream, "g", "0"]);
    await db.tcp.sendCommand(["XREADGROUP", "GROUP", "g", "c", "STREAMS", stream, ">"]);
    // A pending entry whose payload was deleted reads back as [id, nil].
    await db.tcp.sendCommand(["XDEL", stream, "1-1"]);
  });

  it("leaves nil alone inside XREADGROUP history, encoding only the strings", async () => {
    const argv = ["XREADGROUP", "GROUP", "g", "c", "STREAMS", stream, "0"];
    expect((await raw("/", argv)).json).toEqual({ result: [[stream, [["1-1", null], ["2-1", ["f", "7"]]]]] });
    expect((await raw("/", argv, { headers: BASE64 })).json).toEqual({
      result: [[b64(stream), [[b64("1-1"), null], [b64("2-1"), [b64("f"), b64("7")]]]]],
    });
  });

  it("leaves integers and nil alone inside XPENDING and XINFO GROUPS", async () => {
    // Idle times move between two reads; these replies do not.
    for (const argv of [
      ["XPENDING", stream, "g"],
      ["XINFO", "GROUPS", stream],
    ]) {
      const truth = (await db.tcp.sendCommand(argv)) as Reply;
      expect((await raw("/", argv)).json).toEqual({ result: truth });
      expect((await raw("/", argv, { headers: BASE64 })).json).toEqual({ result: encodeStrings(truth) });
    }
    expect(await db.tcp.sendCommand(["XPENDING", stream, "g"])).toEqual([2, "1-1", "2-1", [["c", "2"]]]);
    const pending = await raw("/", ["XPENDING", stream, "g", "-", "+", 10], { headers: BASE64 });
    const [id, consumer, idleMs, deliveries] = (pending.json as { result: [string, string, number, number][] }).result[0] ?? [];
    expect([id, consumer]).toEqual([b64("1-1"), b64("c")]);
    expect(typeof idleMs).toBe("number");
    expect(deliveries).toBeGreaterThanOrEqual(1);
  });

  it("is decoded by the official client with and without automatic deserialization", async () => {
    // Through a pipeline the client sends the raw command and decodes the reply generically.
    const [parsed] = await testRedis().pipeline().xreadgroup("g", "c", stream, "0").exec();
    expect(parsed).toEqual([[stream, [["1-1", null], ["2-1", ["f", 7]]]]]);
    const [rawReply] = await testRedis({ automaticDeserialization: false }).pipeline().xreadgroup("g", "c", stream, "0").exec();
    expect(rawReply).toEqual([[stream, [["1-1", null], ["2-1", ["f", "7"]]]]]);
  });
});

describe("scalar replies", () => {
  it("encodes a bulk string and OK, never an integer, nil or an error", async () => {
    const key = newKey();
    expect((await raw("/", ["SET", key, "v"], { headers: BASE64 })).json).toEqual({ result: b64("OK") });
    expect((await raw("/", ["GET", key], { headers: BASE64 })).json).toEqual({ result: b64("v") });
    expect((await raw("/", ["STRLEN", key], { headers: BASE64 })).json).toEqual({ result: 1 });
    expect((await raw("/", ["GET", newKey()], { headers: BASE64 })).json).toEqual({ result: null });
    expect((await raw("/", ["INCR", key], { headers: BASE64 })).json).toEqual({
      error: "ERR value is not an integer or out of range",
    });
  });

  it("round-trips through the official client: a set string comes back as sent", async () => {
    const key = newKey();
    const redis = testRedis({ automaticDeserialization: false });
    expect(await redis.set(key, "42")).toBe("OK");
    expect(await redis.get(key)).toBe("42");
    expect(await testRedis().get(key)).toBe(42);
    expect(await db.tcp.get(key)).toBe("42");
  });

  it("stringifies numbers and booleans sent as JSON arguments", async () => {
    const key = newKey();
    expect((await raw("/", ["RPUSH", key, 1.5, true, false, -3])).json).toEqual({ result: 4 });
    expect(await db.tcp.sendCommand(["LRANGE", key, "0", "-1"])).toEqual(["1.5", "true", "false", "-3"]);
  });
});
