/**
 * The producer for code that is not the HTTP API: the API's validation, one
 * request per send, and the Idempotency-Key guarantee, against real Redis
 * through the bridge with the official client.
 */
import { describe, expect, inject, it } from "vitest";
import { createProducer, EnqueueError } from "../../../src/index.js";
import { entries, faultyBridge, useFixture } from "../../support/engine.js";

const f = useFixture();
const stream = () => f.fn({ handle: async () => {} }).stream;

describe("createProducer", () => {
  it("writes one message or a batch in one request, fields exactly as sent", async () => {
    const bridge = await faultyBridge({});
    try {
      const producer = createProducer({ transport: bridge.transport });
      const s = stream();
      const one = await producer.send(s, { orderID: "o-1", amount: "12.50" });
      const before = bridge.stats.requests;
      const batch = await producer.send(s, [{ n: "1" }, { n: "2" }, { n: "3", json: '{"a":1}' }]);
      expect(bridge.stats.requests - before).toBe(1);
      expect(one.created && batch.created).toBe(true);
      const stored = await entries(f.tcp, s);
      expect(stored.map((e) => e.id)).toEqual([...one.ids, ...batch.ids]);
      expect(stored.map((e) => e.message)).toEqual([{ orderID: "o-1", amount: "12.50" }, { n: "1" }, { n: "2" }, { n: "3", json: '{"a":1}' }]);
    } finally {
      await bridge.close();
    }
  });

  it("keeps the Idempotency-Key guarantee: a repeat writes nothing and answers the first ids; another body is refused", async () => {
    const producer = createProducer({ url: inject("bridgeUrl"), token: inject("bridgeToken") });
    const s = stream();
    const key = `order-${crypto.randomUUID()}`;
    const first = await producer.send(s, [{ n: "1" }, { n: "2" }], { idempotencyKey: key });
    const again = await producer.send(s, [{ n: "1" }, { n: "2" }], { idempotencyKey: key });
    expect(first.created).toBe(true);
    expect(again).toEqual({ ids: first.ids, created: false });
    await expect(producer.send(s, [{ n: "other" }], { idempotencyKey: key })).rejects.toMatchObject({ name: "EnqueueError", code: "idempotency_key_reused", status: 422 });
    expect((await entries(f.tcp, s)).map((e) => e.id)).toEqual(first.ids);
  });

  it.each([
    ["a number value", { amount: 12.5 }, "invalid_field", /field "amount" must be a string/],
    ["an empty message", {}, "empty_message", /at least one field/],
    ["a value under __proto__", JSON.parse('{"__proto__": 5, "a": "1"}'), "invalid_field", /__proto__/],
    ["an unpaired surrogate", { text: "\ud800" }, "invalid_field", /unpaired surrogate/],
    ["a reserved field name", { "cronsumer-replay-to": "g" }, "reserved_field", /cronsumer-replay-to/],
    ["a batch over 500", Array.from({ length: 501 }, () => ({ n: "1" })), "batch_too_large", /at most 500/],
    ["a message over 64 KiB", { big: "x".repeat(70_000) }, "message_too_large", /MAX_MESSAGE_BYTES/],
  ])("refuses %s with the API's error, writing nothing", async (_, message, code, text) => {
    const producer = createProducer({ url: inject("bridgeUrl"), token: inject("bridgeToken") });
    const s = stream();
    const sent = producer.send(s, message as never, { idempotencyKey: `k-${crypto.randomUUID()}` });
    await expect(sent).rejects.toBeInstanceOf(EnqueueError);
    await expect(sent).rejects.toMatchObject({ code, message: expect.stringMatching(text) });
    expect(await f.tcp.exists(s)).toBe(0);
  });

  it("refuses a bad idempotencyKey or maxlen before writing", async () => {
    const producer = createProducer({ url: inject("bridgeUrl"), token: inject("bridgeToken") });
    const s = stream();
    await expect(producer.send(s, { a: "1" }, { idempotencyKey: "\n" })).rejects.toMatchObject({ code: "invalid_idempotency_key" });
    await expect(producer.send(s, { a: "1" }, { maxlen: 0 })).rejects.toMatchObject({ code: "invalid_request" });
    expect(await f.tcp.exists(s)).toBe(0);
  });
});
