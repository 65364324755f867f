/**
 * `Idempotency-Key`: a repeat writes nothing and answers the original ids,
 * also under concurrency, after a lost step-3 write, and after a lost
 * response to the write itself.
 */
import { describe, expect, it } from "vitest";
import { TransportError } from "../../../src/core/errors.js";
import { idempotencyKey } from "../../../src/core/keys.js";
import type { Transport } from "../../../src/core/transport.js";
import { bridgeTransport, entries } from "../../support/engine.js";
import { call, enc, useApiFixture } from "./support.js";

const { f, setup: setupFn } = useApiFixture();

function setup(transport?: Transport) {
  const { fn, api } = setupFn(undefined, transport ? { transport: () => transport } : {});
  const send = (body: unknown, key: string) => call(api, `/streams/${enc(fn.stream)}/messages`, { body, headers: { "Idempotency-Key": key } });
  return { fn, api, send };
}

/** Lets `fail` decide, per request, to throw instead of sending (before) or after sending (a lost response). */
function lossy(fail: (kind: "pipeline" | "transaction", batch: readonly (readonly unknown[])[]) => "before" | "after" | undefined): Transport {
  const inner = bridgeTransport();
  const wrap = (kind: "pipeline" | "transaction") => async (batch: readonly (readonly [string, ...(string | number)[]])[]) => {
    const when = fail(kind, batch);
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

  it("keys are per stream", async () => {
    const a = setup();
    const b = setup();
    expect((await a.send({ x: "1" }, "same")).status).toBe(201);
    expect((await b.send({ x: "1" }, "same")).status).toBe(201);
  });

  it("answers 422 for the same key with another body, writing nothing", async () => {
    const { fn, send } = setup();
    expect((await send({ a: "1" }, "k")).status).toBe(201);
    const other = await send({ a: "2" }, "k");
    expect(other).toMatchObject({ status: 422, body: { error: { code: "idempotency_key_reused" } } });
    expect(await f.tcp.xLen(fn.stream)).toBe(1);
  });

  it("writes once when 5 requests with the same key arrive together", async () => {
    const { fn, send } = setup();
    const batch = [{ a: "1" }, { a: "2" }, { a: "3" }];
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(batch, "burst")));
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    for (const a of answers) {
      if (a.status === 200) expect(a.body.ids).toEqual(created[0]!.body.ids);
      else if (a.status === 409) expect(a.headers.get("Retry-After")).toMatch(/^\d+$/);
      else expect(a.status).toBe(201);
    }
    expect(await f.tcp.xLen(fn.stream)).toBe(3);
    expect((await send(batch, "burst")).body.ids).toEqual(created[0]!.body.ids);
  });

  it("finds the ids in the stream when the write landed but recording them did not", async () => {
    let dropDone = true;
    const { fn, send } = setup(
      lossy((kind, batch) => (kind === "pipeline" && dropDone && batch[0]![0] === "SET" && String(batch[0]![2]).includes('"done"') ? "before" : undefined)),
    );
    const first = await send([{ a: "1" }, { a: "2" }], "k");
    expect(first.status).toBe(201);
    expect(JSON.parse((await f.tcp.get(idempotencyKey(fn.stream, "k")))!).state).toBe("committed");
    // Other producers write between the two requests.
    await f.tcp.xAdd(fn.stream, "*", { a: "1" });
    dropDone = false;
    const again = await send([{ a: "1" }, { a: "2" }], "k");
    expect(again).toMatchObject({ status: 200, body: { ids: first.body.ids } });
    expect(await f.tcp.xLen(fn.stream)).toBe(3);
    expect(JSON.parse((await f.tcp.get(idempotencyKey(fn.stream, "k")))!)).toMatchObject({ state: "done", ids: first.body.ids });
  });

  it("after a lost answer to the write, a repeat answers the ids that were written", async () => {
    let lose = true;
    const { fn, send } = setup(lossy((kind) => (kind === "transaction" && lose ? "after" : undefined)));
    const lost = await send({ a: "1" }, "k");
    expect(lost.status).toBe(503);
    expect(lost.body.error.message).toContain("Idempotency-Key");
    lose = false;
    const again = await send({ a: "1" }, "k");
    const written = await entries(f.tcp, fn.stream);
    expect(written).toHaveLength(1);
    expect(again).toMatchObject({ status: 200, body: { ids: [written[0]!.id] } });
  });

  it("after a write that never reached Redis, a repeat waits for the marker to expire, then writes once", async () => {
    let lose = true;
    const { fn, send } = setup(lossy((kind) => (kind === "transaction" && lose ? "before" : undefined)));
    expect((await send({ a: "1" }, "k")).status).toBe(503);
    lose = false;
    const waiting = await send({ a: "1" }, "k");
    expect(waiting).toMatchObject({ status: 409, body: { error: { code: "idempotency_in_progress" } } });
    expect(Number(waiting.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(Number(waiting.headers.get("Retry-After"))).toBeLessThanOrEqual(30);
    expect(await f.tcp.xLen(fn.stream)).toBe(0);
    // The 30 s marker runs out.
    await f.tcp.pExpire(idempotencyKey(fn.stream, "k"), 1);
    await new Promise((r) => setTimeout(r, 10));
    expect((await send({ a: "1" }, "k")).status).toBe(201);
    expect((await send({ a: "1" }, "k")).status).toBe(200);
    expect(await f.tcp.xLen(fn.stream)).toBe(1);
  });
});
