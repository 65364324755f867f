/**
 * Enqueue through the API: strings in, the same strings to the handler; a
 * batch is one MULTI in one request; the stream is created when missing.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { countingTransport } from "../../../src/core/redis/counting-transport.js";
import { idempotencyKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, entries } from "../../support/engine.js";
import { call, enc, useApiFixture } from "./support.js";

const { f, setup: setupFn, track } = useApiFixture();
const setup = (handle: (m: Message) => void = () => {}) => setupFn({ handle: async (m) => handle(m) });

describe("POST /streams/:stream/messages", () => {
  it("writes one message, creating the stream, and the handler gets exactly the strings sent", async () => {
    const seen: Message[] = [];
    const { fn, api } = setup((m) => void seen.push(m));
    const fields = { amount: "12.50", flag: "true", json: '{"a":1}', empty: "", big: "12345678901234567890", "naïve ünïcode": "✓" };
    const res = await call(api, `/streams/${enc(fn.stream)}/messages`, { body: fields });
    expect(res.status).toBe(201);
    expect(res.body.ids).toHaveLength(1);
    expect(await entries(f.tcp, fn.stream)).toEqual([{ id: res.body.ids[0], message: fields }]);
    await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
    expect(seen.map((m) => m.fields)).toEqual([fields]);
  });

  it("keeps a field named __proto__ as a field", async () => {
    const { fn, api } = setup();
    const res = await call(api, `/streams/${enc(fn.stream)}/messages`, { raw: '{"__proto__": "x", "b": "y"}', contentType: "application/json" });
    expect(res.status).toBe(201);
    const raw = (await f.tcp.sendCommand(["XRANGE", fn.stream, "-", "+"])) as [string, string[]][];
    expect(raw[0]![1]).toEqual(["__proto__", "x", "b", "y"]);
  });

  describe("refuses what cannot be written exactly, with a 400 naming the field, writing nothing and holding no Idempotency-Key", () => {
    const cases: [string, string, string][] = [
      ["a number under __proto__", '{"__proto__": 5, "b": "y"}', 'field "__proto__" must be a string; send "5"'],
      ["an object under __proto__", '[{"a": "1"}, {"__proto__": {"x": 1}, "b": "y"}]', 'message 1: field "__proto__" must be a string'],
      ["an unpaired surrogate in a value", '{"a": "ok", "b": "x\\ud800y"}', 'field "b" holds an unpaired surrogate'],
      ["a reversed surrogate pair in a value", '{"b": "\\udc00\\ud800"}', 'field "b" holds an unpaired surrogate'],
      ["an unpaired surrogate in a field name", '{"\\udfff": "x"}', 'field name "\\udfff" holds an unpaired surrogate'],
    ];
    it.each(cases)("%s", async (_, raw, message) => {
      const { fn, api } = setup();
      for (const headers of [{}, { "Idempotency-Key": "k" }] as Record<string, string>[]) {
        const res = await call(api, `/streams/${enc(fn.stream)}/messages`, { raw, contentType: "application/json", headers });
        expect(res).toMatchObject({ status: 400, body: { error: { code: "invalid_field" } } });
        expect(res.body.error.message).toContain(message);
      }
      expect(await f.tcp.exists([fn.stream, idempotencyKey(fn.stream, "k")])).toBe(0);
    });

    it("while a well-formed pair (𝄞) is written as sent", async () => {
      const { fn, api } = setup();
      const res = await call(api, `/streams/${enc(fn.stream)}/messages`, { raw: '{"\\ud834\\udd1e": "\\ud834\\udd1e"}', contentType: "application/json" });
      expect(res.status).toBe(201);
      expect((await entries(f.tcp, fn.stream))[0]!.message).toEqual({ "𝄞": "𝄞" });
    });
  });

  it("accepts raw colons in the path as well as %3A", async () => {
    const { fn, api } = setup();
    const res = await call(api, `/streams/${fn.stream}/messages`, { body: { a: "1" } });
    expect(res.status).toBe(201);
    expect(await f.tcp.xLen(fn.stream)).toBe(1);
  });

  it("writes a batch of 500 in one HTTP request to Redis, in order", async () => {
    const counted = countingTransport(bridgeTransport());
    const { fn, api } = setupFn(undefined, { transport: () => counted });
    const batch = Array.from({ length: 500 }, (_, i) => ({ n: String(i) }));
    const res = await call(api, `/streams/${enc(fn.stream)}/messages`, { body: batch });
    expect(res.status).toBe(201);
    expect({ requests: counted.requests, commands: counted.commands }).toEqual({ requests: 1, commands: 500 });
    const written = await entries(f.tcp, fn.stream);
    expect(written.map((e) => e.id)).toEqual(res.body.ids);
    expect(written.map((e) => e.message.n)).toEqual(batch.map((m) => m.n));
  });

  it("trims with ?maxlen=N (MAXLEN ~)", async () => {
    const { fn, api } = setup();
    const batch = Array.from({ length: 300 }, (_, i) => ({ n: String(i) }));
    for (let i = 0; i < 3; i++) expect((await call(api, `/streams/${enc(fn.stream)}/messages?maxlen=10`, { body: batch })).status).toBe(201);
    // Approximate trimming removes whole macro nodes (100 entries each by default): far fewer than 900 remain.
    expect(await f.tcp.xLen(fn.stream)).toBeLessThan(900);
  });
});

describe("a function's first run (default startId)", () => {
  const run = (fn: Parameters<typeof runFunction>[0]) => runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });

  it("handles every message enqueued before it, through the API and straight into Redis", async () => {
    const seen: string[] = [];
    const { fn, api } = setup((m) => void seen.push(m.fields.n!));
    expect((await call(api, `/streams/${enc(fn.stream)}/messages`, { body: [{ n: "1" }, { n: "2" }] })).status).toBe(201);
    await f.tcp.xAdd(fn.stream, "*", { n: "3" });
    expect(await f.tcp.exists(fn.stream)).toBe(1);
    const report = await run(fn);
    expect(report).toMatchObject({ read: 3, acked: 3 });
    expect(seen).toEqual(["1", "2", "3"]);
  });

  it("handles what is written after the stream was deleted and written again", async () => {
    const seen: string[] = [];
    const { fn, api } = setup((m) => void seen.push(m.fields.n!));
    await call(api, `/streams/${enc(fn.stream)}/messages`, { body: { n: "1" } });
    await run(fn);
    await f.tcp.del(fn.stream);
    await call(api, `/streams/${enc(fn.stream)}/messages`, { body: [{ n: "2" }, { n: "3" }] });
    await run(fn);
    expect(seen).toEqual(["1", "2", "3"]);
  });

  it('with startId "$", skips what is already there, as documented', async () => {
    const seen: string[] = [];
    const fn = track(f.fn({ handle: async (m) => void seen.push(m.fields.n!), options: { startId: "$" } }));
    await f.tcp.xAdd(fn.stream, "*", { n: "old" });
    await run(fn);
    await f.tcp.xAdd(fn.stream, "*", { n: "new" });
    await run(fn);
    expect(seen).toEqual(["new"]);
  });
});
