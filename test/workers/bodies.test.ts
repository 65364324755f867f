/**
 * JSON bodies (`payload: "json"`) inside workerd: a body with nesting,
 * unicode and numbers (and strings that look like numbers, which a client
 * that JSON-parses replies would change) arrives in the handler exactly as
 * sent, through the API, the producer, a delay, a retry, a dead letter and
 * a replay; a schema's refusal dead-letters it with the schema's message.
 */
import { describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/api/app.js";
import type { Message, PollingFunctionDefinition } from "../../src/core/define/define.js";
import { PermanentError } from "../../src/core/redis/errors.js";
import { delayedKey, delayedPayloadsKey } from "../../src/core/redis/keys.js";
import { runFunction } from "../../src/core/run/run.js";
import { createProducer } from "../../src/producer/producer.js";
import { bindings, entries, freshFunction, redis, sleep, transport } from "./support.js";

const BODY = {
  order: "o-1",
  lines: [
    { sku: "A-1", qty: 2, price: 12.5 },
    { sku: "É-2", qty: 1, price: 0.1 },
  ],
  note: "délai ✓ 日本語 🙂 \"quoted\" \\ \n",
  numbers: { max: 9007199254740991, tiny: -1.5e-7, big: 1e21, zero: 0 },
  lookalikes: ["42", "true", "null", '{"a":1}'],
  flags: [true, false, null],
  nested: { a: { b: { c: ["x", { d: 42 }] } } },
};

const run = (fn: Parameters<typeof runFunction>[0]) => runFunction(fn, { transport, vars: {}, trigger: "manual" });
const FAST_RETRY = { visibilityTimeoutMs: 6_000, handlerTimeoutMs: 1_000, backoff: { strategy: "fixed" as const, baseDelayMs: 500, maxDelayMs: 500 } };
const auth = { Authorization: `Bearer ${bindings.API_TOKEN}`, "Content-Type": "application/json" };

function bodyFunction(handle: PollingFunctionDefinition["handle"], def: Partial<PollingFunctionDefinition> = {}) {
  return freshFunction({ payload: "json", ...def, handle: handle!, options: { ...FAST_RETRY, ...def.options } });
}

async function post(app: ReturnType<typeof createApp>, path: string, body: unknown) {
  const res = await app.request(path, { method: "POST", headers: auth, body: typeof body === "string" ? body : JSON.stringify(body) }, bindings);
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe("a JSON body in workerd", () => {
  it("arrives exactly as sent through the API, with its headers, and the API shows it parsed", async () => {
    const seen: Message[] = [];
    const fn = bodyFunction(async (m) => void seen.push(m));
    const app = createApp({ functions: [fn] });
    const sent = await post(app, `/streams/${encodeURIComponent(fn.stream)}/messages`, { body: BODY, headers: { account: "a-1" } });
    expect(sent.status).toBe(201);
    // One JSON field beside the headers, as stored.
    expect((await entries(fn.stream)).map((e) => e.fields)).toEqual([{ body: JSON.stringify(BODY), account: "a-1" }]);
    const view = await app.request(`/streams/${encodeURIComponent(fn.stream)}/messages/${sent.json.ids[0]}`, { headers: auth }, bindings);
    expect(((await view.json()) as { body: unknown }).body).toEqual(BODY);
    expect(await run(fn)).toMatchObject({ read: 1, acked: 1 });
    expect(seen.map((m) => [m.body, m.data, m.headers])).toEqual([[BODY, BODY, { account: "a-1" }]]);
  });

  it("arrives exactly as sent through the producer, one or a batch, any JSON value at the top", async () => {
    const seen: unknown[] = [];
    const fn = bodyFunction(async (m) => void seen.push(m.body));
    const producer = createProducer({ transport });
    await producer.sendBody(fn.stream, BODY);
    await producer.sendBodies(fn.stream, [{ body: 42 }, { body: "42" }, { body: null }, { body: [1, "two", { three: 3 }] }, { body: "true" }]);
    expect(await run(fn)).toMatchObject({ read: 6, acked: 6 });
    expect(seen).toEqual([BODY, 42, "42", null, [1, "two", { three: 3 }], "true"]);
  });

  it("arrives exactly as sent after a retry", async () => {
    const seen: unknown[] = [];
    const fn = bodyFunction(async (m) => {
      seen.push(m.body);
      if (m.attempt === 1) throw new Error("try again");
    });
    await createProducer({ transport }).sendBody(fn.stream, BODY);
    expect(await run(fn)).toMatchObject({ read: 1, retried: 1 });
    await sleep(700);
    expect(await run(fn)).toMatchObject({ reclaimed: 1, acked: 1 });
    expect(seen).toEqual([BODY, BODY]);
  });

  it("arrives exactly as sent after a dead letter and its replay, and the dead-letter listing shows it parsed", async () => {
    const seen: unknown[] = [];
    let fail = true;
    const fn = bodyFunction(async (m) => {
      seen.push(m.body);
      if (fail) throw new PermanentError("not now");
    });
    const app = createApp({ functions: [fn] });
    expect((await post(app, `/streams/${encodeURIComponent(fn.stream)}/messages`, { body: BODY })).status).toBe(201);
    expect(await run(fn)).toMatchObject({ read: 1, deadLettered: 1 });
    const listed = await app.request(`/streams/${encodeURIComponent(fn.stream)}/dead-letters`, { headers: auth }, bindings);
    const [letter] = ((await listed.json()) as { entries: { id: string; body: unknown }[] }).entries;
    expect(letter!.body).toEqual(BODY);
    const one = await app.request(`/streams/${encodeURIComponent(`${fn.stream}:dlq`)}/messages/${letter!.id}`, { headers: auth }, bindings);
    expect(((await one.json()) as { body: unknown }).body).toEqual(BODY);
    fail = false;
    expect((await post(app, `/streams/${encodeURIComponent(fn.stream)}/dead-letters/replay`, { ids: [letter!.id] })).status).toBe(200);
    expect(await run(fn)).toMatchObject({ read: 1, acked: 1 });
    expect(seen).toEqual([BODY, BODY]);
  });

  it("dead-letters a body its schema refuses, with the schema's message, and never hands it to the handler", async () => {
    const seen: unknown[] = [];
    const schema = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: (v: unknown) =>
          typeof (v as { order?: unknown })?.order === "string" ? { value: v } : { issues: [{ message: "expected a string", path: ["order"] }] },
      },
    };
    const fn = bodyFunction(async (m) => void seen.push(m.body), { schema: schema as never });
    const producer = createProducer({ transport });
    await producer.sendBodies(fn.stream, [{ body: BODY }, { body: { ...BODY, order: 7 } }]);
    expect(await run(fn)).toMatchObject({ read: 2, acked: 1, deadLettered: 1 });
    expect(seen).toEqual([BODY]);
    const [dead] = (await entries(`${fn.stream}:dlq`)).map((e) => e.fields);
    expect(dead!.error).toBe("the message does not match the function's schema: order: expected a string");
    expect(JSON.parse(dead!.fields!)).toEqual({ body: JSON.stringify({ ...BODY, order: 7 }) });
  });

  it("dead-letters an entry whose body field is not JSON (written around the API), naming why", async () => {
    const fn = bodyFunction(async () => {});
    await redis.xadd(fn.stream, "*", { body: "{not json" });
    await redis.xadd(fn.stream, "*", { other: "x" });
    expect(await run(fn)).toMatchObject({ read: 2, deadLettered: 2 });
    expect((await entries(`${fn.stream}:dlq`)).map((e) => e.fields.error)).toEqual([
      expect.stringMatching(/^the message's `body` field is not JSON: /),
      'the message has no `body` field, which a function with `payload: "json"` reads its body from',
    ]);
  });

  it("answers every bad body with a 400 naming the problem, and writes nothing", async () => {
    const fn = bodyFunction(async () => {});
    const app = createApp({ functions: [fn] });
    const path = `/streams/${encodeURIComponent(fn.stream)}/messages`;
    const deep = JSON.parse("[".repeat(70) + "]".repeat(70)) as unknown;
    const cases: [unknown, number, RegExp][] = [
      [{ order: "o-1" }, 400, /unknown key "order"; put it inside "body"/],
      [{ headers: { a: "1" } }, 400, /the message has no "body"/],
      ["[]", 400, /a batch needs at least one message/],
      [[{ body: 1 }, 7], 400, /^message 1: this stream's function takes JSON bodies/],
      [{ body: 1, headers: { a: 1 } }, 400, /header "a" must be a string; send "1"/],
      [{ body: 1, headers: { body: "x" } }, 400, /may not be named "body"/],
      [{ body: 1, headers: { "cronsumer-deliveries": "x" } }, 400, /reserved for cronsumer/],
      [{ body: deep }, 400, /nested deeper than 64 levels/],
      [{ body: "x".repeat(70_000) }, 413, /has 70\d{3} bytes of fields; MAX_MESSAGE_BYTES is 65536/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(app, path, body);
      expect([res.status, res.json.error?.message], JSON.stringify(body).slice(0, 60)).toEqual([status, expect.stringMatching(message)]);
    }
    expect(await entries(fn.stream)).toEqual([]);
  });

  it("leaves flat-field functions as they were: a body object is refused there as a non-string field", async () => {
    const fn = freshFunction({ handle: async () => {} });
    const res = await post(createApp({ functions: [fn] }), `/streams/${encodeURIComponent(fn.stream)}/messages`, { body: { a: 1 } });
    expect([res.status, res.json.error.message]).toEqual([400, expect.stringMatching(/field "body" must be a string; send it JSON-encoded/)]);
  });
});

const onEngine = inject("redisKind") === "engine";
describe.skipIf(onEngine)(`a delayed JSON body in workerd${onEngine ? " [skipped: needs sorted sets and EVAL]" : ""}`, () => {
  it("arrives exactly as sent once due", async () => {
    const seen: unknown[] = [];
    const fn = bodyFunction(async (m) => void seen.push(m.body), { options: { delays: true } });
    const app = createApp({ functions: [fn] });
    try {
      const sent = await post(app, `/streams/${encodeURIComponent(fn.stream)}/messages?delayMs=800`, { body: BODY, headers: { account: "a-1" } });
      expect(sent.status).toBe(201);
      const listed = await app.request(`/streams/${encodeURIComponent(fn.stream)}/delayed`, { headers: auth }, bindings);
      expect(((await listed.json()) as { items: { body: unknown }[] }).items.map((i) => i.body)).toEqual([BODY]);
      await sleep(Math.max(0, sent.json.dueAt - Date.now()) + 200);
      expect(await run(fn)).toMatchObject({ read: 1, acked: 1 });
      expect(seen).toEqual([BODY]);
    } finally {
      await redis.del(delayedKey(fn.stream), delayedPayloadsKey(fn.stream));
    }
  });
});
