/**
 * Delayed enqueue through the API and the producer: `delayMs`/`notBefore`
 * validated with a 400 naming the parameter and nothing written, refused
 * (422 naming the option) for a stream no function promotes, listed, and
 * cancelled; an Idempotency-Key repeat answers the same delayed ids.
 */
import { describe, expect, it } from "vitest";
import { MAX_DELAY_MS } from "../../../src/core/features/delayed.js";
import { delayedKey, delayedPayloadsKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { createProducer } from "../../../src/producer/producer.js";
import { bridgeTransport, entries } from "../../support/engine.js";
import { call, useApiFixture } from "./support.js";

const { f, setup } = useApiFixture();
const delays = () => setup({ handle: async () => {}, options: { delays: true } });

describe("POST /streams/:stream/messages?delayMs=", () => {
  it("holds the messages in the delayed set, not the stream, and lists them in due order", async () => {
    const { fn, api, s } = delays();
    const before = Date.now();
    const a = await call(api, `${s}/messages?delayMs=60000`, { body: [{ n: "1" }, { n: "2" }] });
    expect(a.status).toBe(201);
    expect(a.body.dueAt).toBeGreaterThanOrEqual(before + 60_000);
    const b = await call(api, `${s}/messages?notBefore=${before + 30_000}`, { body: { n: "0" } });
    expect(b).toMatchObject({ status: 201, body: { dueAt: before + 30_000 } });
    expect(await entries(f.tcp, fn.stream)).toEqual([]);

    const list = await call(api, `${s}/delayed?limit=2`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ count: 3, nextDueAt: before + 30_000, next: "2" });
    expect(list.body.items.map((i: { fields: unknown }) => i.fields)).toEqual([{ n: "0" }, ...(list.body.items[1].fields.n === "1" ? [{ n: "1" }] : [{ n: "2" }])]);
    const rest = await call(api, `${s}/delayed?limit=2&cursor=2`);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.next).toBeUndefined();
  });

  it("cancels one before it is due: it never enters the stream; a second cancel is 404", async () => {
    const { fn, api, s } = delays();
    const { body } = await call(api, `${s}/messages?delayMs=0`, { body: [{ n: "keep" }, { n: "drop" }] });
    const cancel = await call(api, `${s}/delayed/${body.ids[1]}`, { method: "DELETE" });
    expect(cancel).toMatchObject({ status: 200, body: { id: body.ids[1], cancelled: true } });
    expect((await call(api, `${s}/delayed/${body.ids[1]}`, { method: "DELETE" })).status).toBe(404);
    await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
    expect((await entries(f.tcp, fn.stream)).map((e) => e.message)).toEqual([{ n: "keep" }]);
    // Promoted already: too late to cancel.
    expect((await call(api, `${s}/delayed/${body.ids[0]}`, { method: "DELETE" })).status).toBe(404);
  });

  it("answers an Idempotency-Key repeat with the same delayed ids and writes nothing", async () => {
    const { fn, api, s } = delays();
    const headers = { "Idempotency-Key": "d-1" };
    const first = await call(api, `${s}/messages?delayMs=5000`, { body: { n: "1" }, headers });
    const again = await call(api, `${s}/messages?delayMs=5000`, { body: { n: "1" }, headers });
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 200, body: { ids: first.body.ids } });
    expect(await f.tcp.zCard(delayedKey(fn.stream))).toBe(1);
    const other = await call(api, `${s}/messages?delayMs=6000`, { body: { n: "1" }, headers });
    expect(other).toMatchObject({ status: 422, body: { error: { code: "idempotency_key_reused" } } });
  });

  describe("refuses a bad delay with a 400 naming the parameter, writing nothing", () => {
    const cases: [string, string, RegExp][] = [
      ["a negative delayMs", "delayMs=-1", /`delayMs` must be a whole number/],
      ["a fractional delayMs", "delayMs=1.5", /`delayMs` must be a whole number/],
      ["a delayMs past 365 days", `delayMs=${MAX_DELAY_MS + 1}`, /`delayMs` must be .* to 31536000000/],
      ["a notBefore that is not a number", "notBefore=tomorrow", /`notBefore` must be a unix time/],
      ["a notBefore past 365 days from now", `notBefore=${Date.now() + MAX_DELAY_MS + 60_000}`, /`notBefore` must be a unix time/],
      ["both delayMs and notBefore", "delayMs=1&notBefore=1", /one of `delayMs` and `notBefore`, not both/],
      ["maxlen with a delay", "delayMs=1&maxlen=5", /`maxlen` cannot be combined/],
    ];
    it.each(cases)("%s", async (_, query, message) => {
      const { fn, api, s } = delays();
      for (const headers of [{}, { "Idempotency-Key": "bad" }] as Record<string, string>[]) {
        const res = await call(api, `${s}/messages?${query}`, { body: { a: "1" }, headers });
        expect(res).toMatchObject({ status: 400, body: { error: { code: "invalid_delay" } } });
        expect(res.body.error.message).toMatch(message);
      }
      expect(await f.tcp.exists([fn.stream, delayedKey(fn.stream), delayedPayloadsKey(fn.stream)])).toBe(0);
    });

    it("a reserved field name", async () => {
      const { fn, api, s } = delays();
      const res = await call(api, `${s}/messages?delayMs=1`, { body: { "cronsumer-deliveries": "3" } });
      expect(res).toMatchObject({ status: 400, body: { error: { code: "reserved_field" } } });
      expect(await f.tcp.exists([delayedKey(fn.stream)])).toBe(0);
    });
  });

  it("refuses a delay for a stream no function promotes, with a 422 naming the option", async () => {
    const { fn, api, s } = setup();
    const res = await call(api, `${s}/messages?delayMs=1000`, { body: { a: "1" } });
    expect(res).toMatchObject({ status: 422, body: { error: { code: "delays_disabled" } } });
    expect(res.body.error.message).toContain("`delays: true`");
    expect(await f.tcp.exists([fn.stream, delayedKey(fn.stream)])).toBe(0);
    // The deployment var turns it on.
    const on = await call(api, `${s}/messages?delayMs=1000`, { body: { a: "1" }, env: { [`FN_${fn.name.toUpperCase().replace(/-/g, "_")}_DELAYS`]: "true" } });
    expect(on.status).toBe(201);
  });
});

describe("producer.send(…, { delayMs | notBefore })", () => {
  it("holds the message until due, and a run after that hands it over", async () => {
    const seen: string[] = [];
    const { fn } = setup({ handle: async (m) => void seen.push(m.fields.n!), options: { delays: true } });
    const producer = createProducer({ transport: bridgeTransport() });
    const sent = await producer.send(fn.stream, { n: "p" }, { delayMs: 400 });
    expect(sent.dueAt).toBeGreaterThan(Date.now());
    await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
    expect(seen).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
    expect(seen).toEqual(["p"]);
    await expect(producer.send(fn.stream, { n: "x" }, { delayMs: -5 })).rejects.toMatchObject({ code: "invalid_delay", status: 400 });
  });
});
