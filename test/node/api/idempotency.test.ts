/**
 * `Idempotency-Key`: a repeat writes nothing and answers the original ids,
 * also under concurrency, after a lost answer, and when the write is held in
 * flight while a repeat goes through. The check and the write are one Lua
 * script, on Redis and on the embedded engine alike (the suite runs on
 * either; the last block pins the engine down whatever the suite runs on).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { xrange } from "../../../src/core/redis/commands.js";
import { TransportError } from "../../../src/core/redis/errors.js";
import { getOp } from "../../../src/core/redis/key-ops.js";
import { idempotencyKey } from "../../../src/core/redis/keys.js";
import { sendPipeline } from "../../../src/core/redis/ops.js";
import type { Command, Transport } from "../../../src/core/redis/transport.js";
import { createEngineBackend } from "../../../src/dev/engine/index.js";
import { startBridge } from "../../../src/dev/bridge/server.js";
import { bridgeTransport, entries } from "../../support/engine.js";
import { app, call, enc, useApiFixture } from "./support.js";

const { f, setup: setupFn, track } = useApiFixture();

function setup(transport?: Transport) {
  const { fn, api } = setupFn(undefined, transport ? { transport: () => transport } : {});
  const send = (body: unknown, key: string) => call(api, `/streams/${enc(fn.stream)}/messages`, { body, headers: { "Idempotency-Key": key } });
  return { fn, api, send };
}

type Batch = readonly Command[];
/** The request that writes messages: the script, or the MULTI of XADDs. */
const writes = (batch: Batch) => batch.some((c) => c[0] === "XADD" || c[0] === "EVAL");

/** Lets `fail` decide, per request, to throw instead of sending (before) or after sending (a lost response). */
function lossy(fail: (batch: Batch) => "before" | "after" | undefined, inner: Transport = bridgeTransport()): Transport {
  const wrap = (kind: "pipeline" | "transaction") => async (batch: Batch) => {
    const when = fail(batch);
    if (when === "before") throw new TransportError("connection reset before sending");
    const outcomes = await inner[kind](batch);
    if (when === "after") throw new TransportError("connection reset before the answer arrived");
    return outcomes;
  };
  return { pipeline: wrap("pipeline"), transaction: wrap("transaction") };
}

describe("Idempotency-Key", () => {
  it("writes once: 201, then 200 with the same ids", async () => {
    const { fn, send } = setup();
    const batch = [{ a: "1" }, { a: "2" }];
    const first = await send(batch, "order-1001");
    expect(first.status).toBe(201);
    const again = await send(batch, "order-1001");
    expect(again).toMatchObject({ status: 200, body: { ids: first.body.ids } });
    expect((await entries(f.tcp, fn.stream)).map((e) => e.id)).toEqual(first.body.ids);
    const ttl = await f.tcp.ttl(idempotencyKey(fn.stream, "order-1001"));
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it("keeps every field and value exactly, with ?maxlen", async () => {
    const { fn, api } = setup();
    const message = { "a b": "", quote: '"\\', naïve: "✓ 𝄞", n: "12.50" };
    const res = await call(api, `/streams/${enc(fn.stream)}/messages?maxlen=1000`, { body: [message, { only: "one" }], headers: { "Idempotency-Key": "exact" } });
    expect(res.status).toBe(201);
    expect(await entries(f.tcp, fn.stream)).toEqual([
      { id: res.body.ids[0], message },
      { id: res.body.ids[1], message: { only: "one" } },
    ]);
  });

  it("writes a message of 3,000 fields, and refuses 3,001 (Lua's unpack limit) with a 400, writing nothing", async () => {
    const { fn, send } = setup();
    const fields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, ""]));
    expect((await send(fields(3_000), "wide")).status).toBe(201);
    const refused = await send([{ a: "1" }, fields(3_001)], "wider");
    expect(refused).toMatchObject({ status: 400, body: { error: { code: "too_many_fields" } } });
    expect(refused.body.error.message).toContain("message 1 has 3001 fields");
    expect(await f.tcp.xLen(fn.stream)).toBe(1);
    expect(await f.tcp.exists(idempotencyKey(fn.stream, "wider"))).toBe(0);
  });

  it("keys are per stream", async () => {
    const a = setup();
    const b = setup();
    expect((await a.send({ x: "1" }, "same")).status).toBe(201);
    expect((await b.send({ x: "1" }, "same")).status).toBe(201);
  });

  it("keeps keys of streams that differ only in where a colon falls apart", async () => {
    // cronsumer:idem:<stream>:<key> once made these two the same Redis key.
    const a = track(f.fn({ handle: async () => {} }));
    const b = track(f.fn({ handle: async () => {}, stream: `${a.stream}:eu` }));
    const api = app({ functions: [a, b] });
    const send = (stream: string, key: string) => call(api, `/streams/${enc(stream)}/messages`, { body: { x: "1" }, headers: { "Idempotency-Key": key } });
    const first = await send(a.stream, "eu:order-1");
    const second = await send(b.stream, "order-1");
    expect([first.status, second.status]).toEqual([201, 201]);
    expect((await entries(f.tcp, b.stream)).map((e) => e.id)).toEqual(second.body.ids);
    expect(await f.tcp.xLen(a.stream)).toBe(1);
  });

  it("answers 422 for the same key with another body, writing nothing", async () => {
    const { fn, send } = setup();
    expect((await send({ a: "1" }, "k")).status).toBe(201);
    const other = await send({ a: "2" }, "k");
    expect(other).toMatchObject({ status: 422, body: { error: { code: "idempotency_key_reused" } } });
    expect(await f.tcp.xLen(fn.stream)).toBe(1);
  });

  it("writes once when 5 requests with the same key arrive together, and all 5 answer its ids", async () => {
    const { fn, send } = setup();
    const batch = [{ a: "1" }, { a: "2" }, { a: "3" }];
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(batch, "burst")));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    const ids = (await entries(f.tcp, fn.stream)).map((e) => e.id);
    expect(ids).toHaveLength(3);
    for (const a of answers) expect(a.body.ids).toEqual(ids);
  });

  it("after a lost answer to the write, a repeat answers the ids that were written", async () => {
    let lose = true;
    const { fn, send } = setup(lossy((batch) => (writes(batch) && lose ? "after" : undefined)));
    const lost = await send({ a: "1" }, "k");
    expect(lost.status).toBe(503);
    expect(lost.body.error.message).toContain("Idempotency-Key");
    lose = false;
    const again = await send({ a: "1" }, "k");
    const written = await entries(f.tcp, fn.stream);
    expect(written).toHaveLength(1);
    expect(again).toMatchObject({ status: 200, body: { ids: [written[0]!.id] } });
  });

  it("after a write that never reached Redis, a repeat writes once at once", async () => {
    let lose = true;
    const { fn, send } = setup(lossy((batch) => (writes(batch) && lose ? "before" : undefined)));
    expect((await send({ a: "1" }, "k")).status).toBe(503);
    lose = false;
    expect((await send({ a: "1" }, "k")).status).toBe(201);
    expect((await send({ a: "1" }, "k")).status).toBe(200);
    expect(await f.tcp.xLen(fn.stream)).toBe(1);
  });

  it("writes once when the write is held in flight past the 30 s marker and a repeat goes through meanwhile", async () => {
    // The first request's write is held on its way to Redis (a slow network);
    // meanwhile anything that guarded the key by time runs out, and a repeat
    // arrives. Exactly one of the two may write, and both answer its ids.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const inner = bridgeTransport();
    let first = true;
    const hold = (kind: "pipeline" | "transaction") => async (batch: Batch) => {
      if (first && writes(batch)) {
        first = false;
        held();
        await released;
      }
      return inner[kind](batch);
    };
    const { fn, send } = setup({ pipeline: hold("pipeline"), transaction: hold("transaction") });
    const original = send([{ a: "1" }, { a: "2" }], "held");
    await holding;
    // Whatever the key holds now (a marker with a TTL, or nothing), it runs out.
    await f.tcp.pExpire(idempotencyKey(fn.stream, "held"), 1);
    await new Promise((r) => setTimeout(r, 10));
    const repeat = await send([{ a: "1" }, { a: "2" }], "held");
    release();
    const late = await original;
    const written = (await entries(f.tcp, fn.stream)).map((e) => e.id);
    expect(written).toHaveLength(2);
    expect([late.status, repeat.status].sort()).toEqual([200, 201]);
    expect(late.body.ids).toEqual(written);
    expect(repeat.body.ids).toEqual(written);
  });
});

describe("Idempotency-Key on the embedded engine", () => {
  let engine: Transport;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const backend = await createEngineBackend();
    const token = randomUUID();
    const bridge = await startBridge({ backend, token });
    engine = bridgeTransport(bridge.url, token);
    close = async () => {
      await bridge.close();
      await backend.close();
    };
  });
  afterAll(() => close());

  const read = async (stream: string) => (await sendPipeline(engine, [xrange(stream)] as const))[0];
  const record = async (stream: string, key: string) => (await sendPipeline(engine, [getOp(idempotencyKey(stream, key))] as const))[0];

  it("takes the same single EVAL as Redis: one request writes the messages and their record", async () => {
    const sent: Batch[] = [];
    const counting: Transport = {
      pipeline: (batch) => (sent.push(batch), engine.pipeline(batch)),
      transaction: (batch) => (sent.push(batch), engine.transaction(batch)),
    };
    const { fn, send } = setup(counting);
    const first = await send([{ a: "1" }, { a: "2" }], "k");
    expect(first.status).toBe(201);
    // The engine refuses Upstash's shebang flag as Redis 7 does, once per isolate; then one EVAL per request.
    const evals = sent.filter((batch) => batch.length === 1 && batch[0]![0] === "EVAL");
    expect(evals.length).toBe(sent.length);
    expect(JSON.parse((await record(fn.stream, "k"))!)).toEqual({ state: "done", hash: expect.any(String), ids: first.body.ids });
    sent.length = 0;
    expect(await send([{ a: "1" }, { a: "2" }], "k")).toMatchObject({ status: 200, body: { ids: first.body.ids } });
    expect(sent).toHaveLength(1);
    expect((await read(fn.stream)).map((e) => e.id)).toEqual(first.body.ids);
  });
});
