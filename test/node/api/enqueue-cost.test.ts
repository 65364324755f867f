/**
 * What one enqueue costs, counted at the bridge (the real HTTP protocol and
 * the official client, as the Worker sends them): 1 request on every path
 * through the API and the producer, with wake-on-enqueue on, and 1 per
 * database a partitioned write touches (plus the records' read with an
 * Idempotency-Key). The wake lease rides in the write's own request; the
 * session it starts is counted apart (it is consumption, not enqueue).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { ApiApp } from "../../../src/api/context.js";
import type { PollingFunction } from "../../../src/core/define/define.js";
import { expandPartitions } from "../../../src/core/partitions/partition-members.js";
import { partitionStream } from "../../../src/core/define/partitions.js";
import { delayedKey, idempotencyKey, wakeLeaseKey } from "../../../src/core/redis/keys.js";
import type { FaultContext } from "../../../src/dev/bridge/faults.js";
import { createRedisBackend } from "../../../src/dev/bridge/redis-backend.js";
import type { BridgeHandle } from "../../../src/dev/bridge/server.js";
import { startBridge } from "../../../src/dev/bridge/server.js";
import type { Backend } from "../../../src/dev/bridge/backend.js";
import { createProducer } from "../../../src/index.js";
import { bridgeTransport, entries } from "../../support/engine.js";
import { keysFor } from "./partition-support.js";
import { apiEnv, app, enc, TOKEN, useApiFixture } from "./support.js";

const a = useApiFixture();
const seen: FaultContext[] = [];
let backend: Backend;
let bridge: BridgeHandle;
const token = randomUUID();

beforeAll(async () => {
  backend = await createRedisBackend(inject("redisUrl"));
  bridge = await startBridge({ backend, token, faults: { before: (ctx) => void seen.push(ctx) } });
  // A store refusing the key-locking shebang (Redis 7.0, the engine) costs a script one more request once per isolate: spend it here.
  await createProducer({ transport: bridgeTransport(bridge.url, token) }).send(`test:warm:${randomUUID()}`, { a: "1" }, { idempotencyKey: "warm" });
});
afterAll(async () => {
  await bridge?.close();
  await backend?.close();
});

const env = () => apiEnv({ UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: token });

/**
 * The requests of the enqueue itself: those naming a stream written (XADD),
 * its delayed set, an idempotency record or a wake lease. A session's reads,
 * commits and reports name none of these.
 */
function enqueueRequests(streams: readonly string[], key?: string): { path: string; commands: string[] }[] {
  const names = new Set(streams.flatMap((s) => [wakeLeaseKey(s), delayedKey(s), ...(key === undefined ? [] : [idempotencyKey(s, key)])]));
  return seen
    .filter(({ commands }) => commands.some((c) => (c[0] === "XADD" && streams.includes(c[1]!)) || c.some((arg) => names.has(arg))))
    .map(({ path, commands }) => ({ path, commands: commands.map((c) => (c[0] === "EVAL" ? `EVAL ${c[3]}` : `${c[0]} ${c[1]}`)) }));
}

/**
 * Posts with an ExecutionContext (wake-on-enqueue on), and waits for the sessions it started; `leases` are
 * the wake lease counters of `peek` as the answer found them (a window lasts 250 ms: the sessions outlive it).
 */
async function post(api: ApiApp, stream: string, body: unknown, { key, query = "", peek = [] }: { key?: string; query?: string; peek?: string[] } = {}) {
  const started: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void started.push(p), passThroughOnException() {}, props: {} };
  const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", ...(key === undefined ? {} : { "Idempotency-Key": key }) };
  seen.length = 0;
  const res = await api.request(`/streams/${enc(stream)}/messages${query}`, { method: "POST", headers, body: JSON.stringify(body) }, env(), ctx);
  const leases = await Promise.all(peek.map((s) => a.f.tcp.get(wakeLeaseKey(s))));
  const reports = (await Promise.all(started)).flat() as { function: string; acked: number }[];
  return { status: res.status, body: (await res.json()) as { ids: string[] }, sessions: started.length, reports, leases };
}

function consumer(def: Partial<Parameters<typeof a.f.fn>[0]> = {}): { fn: PollingFunction; api: ApiApp; handled: string[] } {
  const handled: string[] = [];
  const fn = a.track(a.f.fn({ handle: async (m) => void handled.push(m.fields.n!), ...def }));
  return { fn, api: app({ functions: [fn] }), handled };
}

const lease = (s: string) => wakeLeaseKey(s);

describe("one enqueue through the API, wake-on-enqueue on", () => {
  it("plain: 1 request, the XADDs and the lease's SET NX PX and INCRBY in one MULTI/EXEC", async () => {
    const { fn, api, handled } = consumer();
    const res = await post(api, fn.stream, [{ n: "1" }, { n: "2" }]);
    expect(res).toMatchObject({ status: 201, sessions: 1 });
    expect(enqueueRequests([fn.stream])).toEqual([{ path: "/multi-exec", commands: [`XADD ${fn.stream}`, `XADD ${fn.stream}`, `SET ${lease(fn.stream)}`, `INCRBY ${lease(fn.stream)}`] }]);
    expect(handled).toEqual(["1", "2"]);
  });

  it("with an Idempotency-Key, first time: 1 request, the lease counted inside the script, and the session it starts handles the message", async () => {
    const { fn, api, handled } = consumer();
    const res = await post(api, fn.stream, { n: "1" }, { key: "k-1", peek: [fn.stream] });
    expect(res).toMatchObject({ status: 201, sessions: 1, leases: ["1"] });
    expect(enqueueRequests([fn.stream], "k-1")).toEqual([{ path: "/pipeline", commands: [`EVAL ${idempotencyKey(fn.stream, "k-1")}`] }]);
    expect(handled).toEqual(["1"]);
  });

  it("with a repeated Idempotency-Key: 1 request, as before, which counts no lease and starts nothing", async () => {
    const { fn, api, handled } = consumer();
    const first = await post(api, fn.stream, { n: "1" }, { key: "k-2" });
    const repeat = await post(api, fn.stream, { n: "1" }, { key: "k-2", peek: [fn.stream] });
    // The repeat wrote nothing, so it opened no window (the first one's ended with its session).
    expect(repeat).toMatchObject({ status: 200, body: { ids: first.body.ids }, sessions: 0, leases: [null] });
    expect(enqueueRequests([fn.stream], "k-2")).toEqual([{ path: "/pipeline", commands: [`EVAL ${idempotencyKey(fn.stream, "k-2")}`] }]);
    expect(handled).toEqual(["1"]);
  });

  it("delayed: 1 request, and no lease (its messages wait for their due time)", async () => {
    const { fn, api, handled } = consumer({ options: { delays: true } });
    const res = await post(api, fn.stream, [{ n: "1" }, { n: "2" }], { query: "?delayMs=60000" });
    expect(res).toMatchObject({ status: 201, sessions: 0 });
    expect(enqueueRequests([fn.stream])).toEqual([{ path: "/multi-exec", commands: [`EVAL ${delayedKey(fn.stream)}`] }]);
    expect(await a.f.tcp.zCard(delayedKey(fn.stream))).toBe(2);
    expect(handled).toEqual([]);
  });

  describe("partitioned, three partitions on one database", () => {
    const [k0, k1, k2] = keysFor(4);
    const setup = () => {
      const handled: string[] = [];
      const fn = a.track(a.f.fn({ partitions: { count: 4, key: "customer" }, options: { maxCpuMs: 1_000 }, handle: async (m) => void handled.push(m.fields.n!) }));
      const parts = [0, 1, 2].map((i) => partitionStream(fn.stream, i));
      return { fn, parts, handled, api: app({ functions: expandPartitions([fn]) }) };
    };
    const batch = () => [{ customer: k0![0]!, n: "1" }, { customer: k1![0]!, n: "2" }, { customer: k2![0]!, n: "3" }];

    it("1 request: every partition's XADDs and lease in one MULTI/EXEC, one session for all", async () => {
      const { fn, parts, handled, api } = setup();
      const res = await post(api, fn.stream, batch());
      expect(res).toMatchObject({ status: 201, sessions: 1 });
      expect(enqueueRequests(parts)).toEqual([{ path: "/multi-exec", commands: parts.flatMap((p) => [`XADD ${p}`, `SET ${lease(p)}`, `INCRBY ${lease(p)}`]) }]);
      expect(handled.sort()).toEqual(["1", "2", "3"]);
    });

    it("with an Idempotency-Key: 2 requests, the records' read and one pipeline of the partitions' scripts, leases inside", async () => {
      const { fn, parts, handled, api } = setup();
      const res = await post(api, fn.stream, batch(), { key: "pk-1", peek: parts });
      expect(res).toMatchObject({ status: 201, sessions: 1, leases: ["1", "1", "1"] });
      const requests = enqueueRequests(parts, "pk-1");
      expect(requests).toHaveLength(2);
      expect(requests[0]!.commands.every((c) => c.startsWith("GET "))).toBe(true);
      expect(requests[1]).toEqual({ path: "/pipeline", commands: parts.map((p) => `EVAL ${idempotencyKey(p, "pk-1")}`) });
      expect(handled.sort()).toEqual(["1", "2", "3"]);
      // A repeat: the records' read answers it, as before.
      expect(await post(api, fn.stream, batch(), { key: "pk-1" })).toMatchObject({ status: 200, body: { ids: res.body.ids }, sessions: 0 });
      expect(enqueueRequests(parts, "pk-1")).toHaveLength(1);
    });
  });
});

describe("one send through the producer", () => {
  const producer = (partitions?: Record<string, { count: number; key: string }>) =>
    createProducer({ transport: bridgeTransport(bridge.url, token), ...(partitions ? { partitions } : {}) });
  const count = async (streams: readonly string[], send: () => Promise<unknown>, key?: string) => {
    seen.length = 0;
    await send();
    return enqueueRequests(streams, key).length;
  };

  it("costs 1 request: plain, with an idempotencyKey (first and repeat), delayed", async () => {
    const s = a.track(a.f.fn({ handle: async () => {} })).stream;
    const p = producer();
    expect(await count([s], () => p.send(s, [{ n: "1" }, { n: "2" }]))).toBe(1);
    expect(await count([s], () => p.send(s, { n: "3" }, { idempotencyKey: "pk" }), "pk")).toBe(1);
    expect(await count([s], () => p.send(s, { n: "3" }, { idempotencyKey: "pk" }), "pk")).toBe(1);
    expect(await count([s], () => p.send(s, { n: "4" }, { delayMs: 60_000 }))).toBe(1);
    expect((await entries(a.f.tcp, s)).map((e) => e.message.n)).toEqual(["1", "2", "3"]);
    expect(await a.f.tcp.zCard(delayedKey(s))).toBe(1);
  });

  it("costs 1 request per database on a partitioned stream", async () => {
    const [k0, k1, k2] = keysFor(4);
    const fn = a.track(a.f.fn({ partitions: { count: 4, key: "customer" }, handle: async () => {} }));
    const parts = [0, 1, 2].map((i) => partitionStream(fn.stream, i));
    const p = producer({ [fn.stream]: { count: 4, key: "customer" } });
    expect(await count(parts, () => p.send(fn.stream, [{ customer: k0![0]!, n: "1" }, { customer: k1![0]!, n: "2" }, { customer: k2![0]!, n: "3" }]))).toBe(1);
    expect((await Promise.all(parts.map((s) => entries(a.f.tcp, s)))).map((e) => e.map((m) => m.message.n))).toEqual([["1"], ["2"], ["3"]]);
  });
});
