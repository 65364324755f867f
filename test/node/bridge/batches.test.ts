/**
 * `/pipeline` is not atomic and keeps going past a failing command;
 * `/multi-exec` is all or nothing at queue time, and reports run-time errors
 * inline with their neighbours applied. Outcomes are checked in Redis itself.
 */
import { describe, expect, it } from "vitest";
import { redisFixture, testRedis } from "../../support/keys.js";
import { raw } from "./support.js";

const db = redisFixture();
const { newKey } = db;

describe("POST /pipeline", () => {
  it("answers a failing middle command inline and still applies its neighbours", async () => {
    const [a, list, b] = [newKey(), newKey(), newKey()];
    await db.tcp.sendCommand(["RPUSH", list, "x"]);
    const response = await raw("/pipeline", [
      ["SET", a, "1"],
      ["INCR", list],
      ["SET", b, "2"],
    ]);
    expect(response.status).toBe(200);
    expect(response.json).toEqual([
      { result: "OK" },
      { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      { result: "OK" },
    ]);
    expect(await db.tcp.mGet([a, b])).toEqual(["1", "2"]);
  });

  it("is what the official client's pipeline sends: exec throws, keepErrors shows each outcome", async () => {
    const [a, list, b] = [newKey(), newKey(), newKey()];
    await db.tcp.sendCommand(["RPUSH", list, "x"]);
    const redis = testRedis({ automaticDeserialization: false });
    const build = () => redis.pipeline().set(a, "v").incr(list).incr(b);
    await expect(build().exec()).rejects.toThrow(/WRONGTYPE/);
    expect(await build().exec({ keepErrors: true })).toEqual([
      { result: "OK", error: undefined },
      { result: undefined, error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      { result: 2, error: undefined },
    ]);
    // Both runs applied the neighbours: b was incremented twice.
    expect(await db.tcp.mGet([a, b])).toEqual(["v", "2"]);
  });

  it("refuses a blocking or connection-state command inline, running the rest", async () => {
    const key = newKey();
    const response = await raw("/pipeline", [["SELECT", "1"], ["SET", key, "kept"], ["BLPOP", newKey(), "0"]]);
    expect(response.status).toBe(200);
    expect(response.json).toEqual([
      { error: expect.stringMatching(/^ERR Command is not allowed: SELECT/) },
      { result: "OK" },
      { error: expect.stringMatching(/^ERR Command is not allowed: BLPOP blocks/) },
    ]);
    expect(await db.tcp.get(key)).toBe("kept");
  });
});

describe("POST /multi-exec", () => {
  it("writes nothing when a command is rejected at queue time (unknown command)", async () => {
    const [a, b] = [newKey(), newKey()];
    const response = await raw("/multi-exec", [
      ["SET", a, "1"],
      ["NOSUCHCOMMAND", a],
      ["SET", b, "2"],
    ]);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: expect.stringMatching(/^EXECABORT Transaction discarded because of previous errors\./) });
    expect((response.json as { error: string }).error).toContain("unknown command 'NOSUCHCOMMAND'");
    expect(await db.tcp.exists([a, b])).toBe(0);
  });

  it("writes nothing when a command has the wrong number of arguments", async () => {
    const a = newKey();
    const response = await raw("/multi-exec", [["SET", a, "1"], ["GET"]]);
    expect(response.status).toBe(400);
    expect((response.json as { error: string }).error).toMatch(/^EXECABORT .*wrong number of arguments for 'get'/);
    expect(await db.tcp.exists(a)).toBe(0);
  });

  it("writes nothing when a command is refused by the bridge", async () => {
    const a = newKey();
    const response = await raw("/multi-exec", [["SET", a, "1"], ["WATCH", a]]);
    expect(response.status).toBe(400);
    expect((response.json as { error: string }).error).toMatch(/^EXECABORT .*WATCH/);
    expect(await db.tcp.exists(a)).toBe(0);
  });

  it("reports a run-time error inline and applies its neighbours", async () => {
    const [a, list, b] = [newKey(), newKey(), newKey()];
    await db.tcp.sendCommand(["RPUSH", list, "x"]);
    const response = await raw("/multi-exec", [
      ["SET", a, "1"],
      ["INCR", list],
      ["INCR", b],
    ]);
    expect(response.status).toBe(200);
    expect(response.json).toEqual([
      { result: "OK" },
      { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      { result: 1 },
    ]);
    expect(await db.tcp.mGet([a, b])).toEqual(["1", "1"]);
  });

  it("serves the official client's multi(), base64 and all", async () => {
    const [key, counter] = [newKey(), newKey()];
    const result = await testRedis({ automaticDeserialization: false })
      .multi()
      .set(key, "héllo")
      .incrby(counter, 5)
      .get(key)
      .exec();
    expect(result).toEqual(["OK", 5, "héllo"]);
    expect(await db.tcp.mGet([key, counter])).toEqual(["héllo", "5"]);
  });
});
