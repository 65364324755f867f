/**
 * `POST /streams/<logical>/messages` on a partitioned stream: every message
 * lands in its key's partition, in request order there; a message without
 * the key writes nothing for the whole request; delays and Idempotency-Key
 * hold per partition, and a retry after a partial failure leaves every
 * message exactly once.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/redis/errors.js";
import { createApi, createScheduled } from "../../../src/functions/create-worker.js";
import { countingTransport } from "../../../src/core/redis/counting-transport.js";
import { delayedKey, idempotencyKey } from "../../../src/core/redis/keys.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import { bridgeTransport, entries } from "../../support/engine.js";
import { failOnce, keysFor, partitioned } from "./partition-support.js";
import { apiEnv, app, call, enc, idOf, snapshot, useApiFixture } from "./support.js";

const { f, track } = useApiFixture();
const [k0, k1, k2, k3] = keysFor(4, 2);

function setup(options: { transport?: Transport; delays?: boolean } = {}) {
  const p = partitioned(f, 4, options.delays ? { options: { delays: true } } : {});
  track(p.fn);
  const api = app({ functions: p.members, ...(options.transport ? { transport: () => options.transport! } : {}) });
  const send = (body: unknown, o: { key?: string; query?: string } = {}) =>
    call(api, `/streams/${enc(p.fn.stream)}/messages${o.query ?? ""}`, { body, headers: o.key ? { "Idempotency-Key": o.key } : {} });
  return { ...p, api, send };
}

/** Every message of partitions 0..3, by partition. */
const contents = async (part: (i: number) => string) =>
  Promise.all([0, 1, 2, 3].map(async (i) => (await entries(f.tcp, part(i))).map((e): Record<string, string> => ({ id: e.id, ...e.message }))));

describe("enqueue onto a partitioned stream", () => {
  it("routes each message to its key's partition, keeps request order there, and answers each message's partition stream", async () => {
    const counted = countingTransport(bridgeTransport());
    const { part, send } = setup({ transport: counted });
    const batch = [
      { customer: k2![0]!, n: "1" },
      { customer: k0![0]!, n: "2" },
      { customer: k2![1]!, n: "3" },
      { customer: k2![0]!, n: "4" },
    ];
    const res = await send(batch);
    expect(res.status).toBe(201);
    expect(res.body.streams).toEqual([part(2), part(0), part(2), part(2)]);
    expect(await contents(part)).toEqual([
      [{ id: res.body.ids[1], ...batch[1] }],
      [],
      [
        { id: res.body.ids[0], ...batch[0] },
        { id: res.body.ids[2], ...batch[2] },
        { id: res.body.ids[3], ...batch[3] },
      ],
      [],
    ]);
    // One MULTI per database touched: both partitions live on the one database, so one request.
    expect({ requests: counted.requests, commands: counted.commands }).toEqual({ requests: 1, commands: 4 });
  });

  it("routes a single message too", async () => {
    const { part, send } = setup();
    const res = await send({ customer: k3![0]!, a: "x" });
    expect(res).toMatchObject({ status: 201, body: { streams: [part(3)] } });
    expect(await entries(f.tcp, part(3))).toEqual([{ id: res.body.ids[0], message: { customer: k3![0]!, a: "x" } }]);
  });

  it("refuses a message without the key field with a 400 naming the field and the message, writing nothing for the whole request", async () => {
    const { fn, send } = setup();
    const batch = [{ customer: k0![0]!, n: "1" }, { customer: k1![0]!, n: "2" }, { n: "3" }];
    const before = await snapshot(f.tcp, [idOf(fn)]);
    for (const key of [undefined, "k-missing"]) {
      const res = await send(batch, key ? { key } : {});
      expect(res).toMatchObject({ status: 400, body: { error: { code: "missing_partition_key" } } });
      expect(res.body.error.message).toContain('message 2: field "customer" is missing');
    }
    expect(await snapshot(f.tcp, [idOf(fn)])).toEqual(before);
  });

  it("holds delayed messages in each partition's own delayed set", async () => {
    const { part, send } = setup({ delays: true });
    const res = await send([{ customer: k1![0]!, n: "1" }, { customer: k3![0]!, n: "2" }], { query: "?delayMs=60000" });
    expect(res.status).toBe(201);
    expect(res.body.streams).toEqual([part(1), part(3)]);
    expect(await f.tcp.zRange(delayedKey(part(1)), 0, -1)).toEqual([res.body.ids[0]]);
    expect(await f.tcp.zRange(delayedKey(part(3)), 0, -1)).toEqual([res.body.ids[1]]);
    expect(await f.tcp.exists([part(1), part(3)])).toBe(0);
  });

  it("refuses a delay when the members do not promote delayed messages (422), writing nothing", async () => {
    const { fn, part, send } = setup();
    const res = await send({ customer: k1![0]!, n: "1" }, { query: "?delayMs=1000" });
    expect(res).toMatchObject({ status: 422, body: { error: { code: "delays_disabled" } } });
    expect(await f.tcp.exists([delayedKey(part(1)), part(1), fn.stream])).toBe(0);
  });

  it("refuses a write straight to a partition stream with a 400 naming the logical stream, writing nothing", async () => {
    const { fn, part, api } = setup();
    const res = await call(api, `/streams/${enc(part(1))}/messages`, { body: { customer: k1![0]!, n: "1" } });
    expect(res).toMatchObject({ status: 400, body: { error: { code: "partition_stream" } } });
    expect(res.body.error.message).toContain(`enqueue onto ${JSON.stringify(fn.stream)}`);
    expect(await f.tcp.exists(part(1))).toBe(0);
  });
});

describe("Idempotency-Key on a partitioned stream", () => {
  const batch = () => [
    { customer: k0![0]!, n: "1" },
    { customer: k1![0]!, n: "2" },
    { customer: k2![0]!, n: "3" },
    { customer: k0![1]!, n: "4" },
  ];

  it("writes once: the repeat answers 200 with the same ids and streams, from one request", async () => {
    const counted = countingTransport(bridgeTransport());
    const { part, send } = setup({ transport: counted });
    const first = await send(batch(), { key: "order-1" });
    expect(first.status).toBe(201);
    const before = counted.requests;
    const again = await send(batch(), { key: "order-1" });
    expect(again).toMatchObject({ status: 200, body: { ids: first.body.ids, streams: first.body.streams } });
    // The first read of the records answers a whole repeat.
    expect(counted.requests - before).toBe(1);
    expect((await contents(part)).flat().map((e) => e.n).sort()).toEqual(["1", "2", "3", "4"]);
    expect(await f.tcp.exists([0, 1, 2].map((i) => idempotencyKey(part(i), "order-1")))).toBe(3);
  });

  it("holds a delayed write once: the repeat answers the same delayed ids from each partition's record", async () => {
    const { part, send } = setup({ delays: true });
    const first = await send(batch(), { key: "later-1", query: "?delayMs=60000" });
    expect(first.status).toBe(201);
    const again = await send(batch(), { key: "later-1", query: "?delayMs=60000" });
    expect(again).toMatchObject({ status: 200, body: { ids: first.body.ids, streams: first.body.streams } });
    expect(await f.tcp.zRange(delayedKey(part(0)), 0, -1)).toEqual([first.body.ids[0], first.body.ids[3]].sort());
    expect(await f.tcp.zCard(delayedKey(part(1)))).toBe(1);
    expect(await f.tcp.zCard(delayedKey(part(2)))).toBe(1);
  });

  it("refuses another body under the same key with a 422 before writing any partition, even partitions the first did not touch", async () => {
    const { fn, send } = setup();
    expect((await send(batch(), { key: "order-2" })).status).toBe(201);
    const before = await snapshot(f.tcp, [idOf(fn)]);
    const other = [{ customer: k3![0]!, n: "new" }, ...batch()];
    const res = await send(other, { key: "order-2" });
    expect(res).toMatchObject({ status: 422, body: { error: { code: "idempotency_key_reused" } } });
    expect(await snapshot(f.tcp, [idOf(fn)])).toEqual(before);
  });

  it("refuses another body under the same key with a 422 even when it routes only to partitions the first did not touch", async () => {
    const { fn, send } = setup();
    expect((await send(batch(), { key: "order-5" })).status).toBe(201);
    const before = await snapshot(f.tcp, [idOf(fn)]);
    const res = await send({ customer: k3![0]!, n: "elsewhere" }, { key: "order-5" });
    expect(res).toMatchObject({ status: 422, body: { error: { code: "idempotency_key_reused" } } });
    expect(await snapshot(f.tcp, [idOf(fn)])).toEqual(before);
  });

  it("a retry after one partition's write failed (its stream key held a string) writes only what is missing: every message exactly once", async () => {
    const { part, send } = setup();
    // MULTI/EXEC runs every command though one fails at run time: partition 1's XADD fails, the others are written.
    await f.tcp.set(part(1), "not a stream");
    const failed = await send(batch(), { key: "order-3" });
    expect(failed).toMatchObject({ status: 502, body: { error: { code: "redis_error" } } });
    expect(failed.body.error.message).toContain(`failed: ${part(1)} (1)`);
    expect(failed.body.error.message).toContain("repeat with the same Idempotency-Key");
    expect(await f.tcp.get(idempotencyKey(part(1), "order-3"))).toBeNull();
    await f.tcp.del(part(1));
    const afterFailure = await contents(part);
    expect(afterFailure.map((entries) => entries.map((e) => e.n))).toEqual([["1", "4"], [], ["3"], []]);

    const retry = await send(batch(), { key: "order-3" });
    expect(retry.status).toBe(201);
    const stored = await contents(part);
    expect(stored.map((entries) => entries.map((e) => e.n))).toEqual([["1", "4"], ["2"], ["3"], []]);
    // The answer holds the ids stored, including those the first attempt wrote.
    expect(retry.body.ids).toEqual([stored[0]![0]!.id, stored[1]![0]!.id, stored[2]![0]!.id, stored[0]![1]!.id]);
    expect(retry.body.ids.slice(0, 1)).toEqual([afterFailure[0]![0]!.id]);
  });

  it.each(["before", "after"] as const)("a retry after the database's one request failed (%s sending) leaves every message exactly once", async (when) => {
    const p = partitioned(f, 4);
    track(p.fn);
    const transport = failOnce(p.part(1), when);
    const flaky = app({ functions: p.members, transport: () => transport });
    const path = `/streams/${enc(p.fn.stream)}/messages`;
    const headers = { "Idempotency-Key": "order-3" };

    const failed = await call(flaky, path, { body: batch(), headers });
    expect(failed).toMatchObject({ status: 503, body: { error: { code: "redis_unavailable" } } });
    expect(failed.body.error.message).toContain(`failed: ${p.part(0)} (2), ${p.part(1)} (1), ${p.part(2)} (1)`);
    expect(failed.body.error.message).toContain("repeat with the same Idempotency-Key");
    // The partitions of one database are one request: all written, or none.
    const afterFailure = await contents(p.part);
    expect(afterFailure.map((entries) => entries.map((e) => e.n))).toEqual(when === "after" ? [["1", "4"], ["2"], ["3"], []] : [[], [], [], []]);

    const retry = await call(flaky, path, { body: batch(), headers });
    // A lost answer had written everything: the retry writes nothing and answers those ids.
    expect(retry.status).toBe(when === "after" ? 200 : 201);
    const stored = await contents(p.part);
    expect(stored.map((entries) => entries.map((e) => e.n))).toEqual([["1", "4"], ["2"], ["3"], []]);
    expect(retry.body.ids).toEqual([stored[0]![0]!.id, stored[1]![0]!.id, stored[2]![0]!.id, stored[0]![1]!.id]);
  });

  it("without a key, a partial failure says which partitions were written", async () => {
    const { part, send } = setup();
    await f.tcp.set(part(2), "not a stream");
    const res = await send(batch());
    expect(res.status).toBe(502);
    expect(res.body.error.message).toContain(`partitions written: ${part(0)} (2), ${part(1)} (1); failed: ${part(2)} (1)`);
    expect(res.body.error.message).toContain("send an Idempotency-Key");
    await f.tcp.del(part(2));
    expect((await contents(part)).map((entries) => entries.map((e) => e.n))).toEqual([["1", "4"], ["2"], [], []]);
  });
});

describe("waking members after a partitioned enqueue", () => {
  /** Sends with an ExecutionContext and waits for the runs it started; answers the partitions whose member ran. */
  async function sendAndWait(api: ReturnType<typeof app>, path: string, body: unknown, headers: Record<string, string>, part: (i: number) => string) {
    const started: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void started.push(p), passThroughOnException() {}, props: {} };
    const init = { method: "POST", headers: { Authorization: "Bearer t", "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
    const res = await api.request(path, init, apiEnv(), ctx);
    await Promise.all(started);
    const ran = (await Promise.all([0, 1, 2, 3].map(async (i) => ((await f.tcp.type(part(i))) === "stream" && (await f.tcp.xInfoGroups(part(i))).length > 0 ? i : -1)))).filter((i) => i >= 0);
    return { status: res.status, ran };
  }

  it("wakes the members of the partitions written, none on a repeat, and only the missing partition's on a retry", async () => {
    const p = partitioned(f, 4);
    track(p.fn);
    const api = app({ functions: p.members });
    const path = `/streams/${enc(p.fn.stream)}/messages`;
    const body = [{ customer: k0![0]!, n: "1" }, { customer: k1![0]!, n: "2" }];
    const headers = { "Idempotency-Key": "wake-1" };
    // Partition 1's write fails (its stream key holds a string): only partition 0's member is woken (it creates its group).
    await f.tcp.set(p.part(1), "not a stream");
    expect(await sendAndWait(api, path, body, headers, p.part)).toEqual({ status: 502, ran: [0] });
    await f.tcp.del([p.part(0), p.part(1)]);
    // The retry writes only partition 1, and wakes only its member.
    expect(await sendAndWait(api, path, body, headers, p.part)).toEqual({ status: 201, ran: [1] });
    await f.tcp.del(p.part(1));
    // A repeat writes nothing, and wakes nothing.
    expect(await sendAndWait(api, path, body, headers, p.part)).toEqual({ status: 200, ran: [] });
  });
});

describe("a logical stream the functions disagree on", () => {
  it("is refused at start-up, naming both functions, when it is also consumed whole", async () => {
    const p = partitioned(f, 2);
    track(p.fn);
    const whole = track(f.fn({ handle: async () => {}, stream: p.fn.stream }));
    expect(() => app({ functions: [...p.members, whole] })).toThrow(`consumed whole by ${whole.name} and partitioned by ${p.fn.name}`);
    expect(() => createApi({ functions: [p.fn, whole], transport: () => bridgeTransport() })).toThrow(ConfigError);
    expect(await f.tcp.exists([p.fn.stream, p.part(0), p.part(1)])).toBe(0);
  });

  it("is refused at start-up when two partitioned functions split it differently", async () => {
    const a = partitioned(f, 2);
    track(a.fn);
    const b = partitioned(f, 3, { stream: a.fn.stream });
    expect(() => app({ functions: [...a.members, ...b.members] })).toThrow(/differently/);
    expect(() => createScheduled({ functions: [a.fn, b.fn] })).toThrow(/differently/);
  });
});
