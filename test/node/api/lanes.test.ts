/**
 * Enqueue into priority lanes through the API, against the real Redis behind
 * the bridge: `?priority=` writes to the lane's stream, no priority (or the
 * default lane's name) to the function's stream as before; every refusal is
 * a 400 naming the problem with nothing written; delays, Idempotency-Key,
 * JSON bodies and partitions carry the lane; lane streams can be inspected.
 */
import { describe, expect, it } from "vitest";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { partitionOfKey, partitionStream } from "../../../src/core/define/partitions.js";
import { expandPartitions } from "../../../src/core/partitions/partition-members.js";
import { delayedKey, idempotencyKey, wakeLeaseKey } from "../../../src/core/redis/keys.js";
import { createWorker } from "../../../src/functions/create-worker.js";
import { deadLetterFields } from "../../../src/core/dead-letters/dead-letter.js";
import { entries } from "../../support/engine.js";
import { apiEnv, app, call, enc, idOf, snapshot, TOKEN, useApiFixture } from "./support.js";

const { f, setup, track } = useApiFixture();
const LANES = { names: ["high", "mid", "low"] };
const laned = (options: Record<string, unknown> = {}, def: Record<string, unknown> = {}) => setup({ handle: async () => {}, ...def, options: { lanes: LANES, ...options } });
const lane = (stream: string, name: string) => `${stream}:lane:${name}`;

describe("POST /streams/:stream/messages?priority=", () => {
  it("writes a named lane to its stream, and no priority or the default lane's name to the stream itself", async () => {
    const { fn, api, s } = laned();
    const high = await call(api, `${s}/messages?priority=high`, { body: [{ n: "h1" }, { n: "h2" }] });
    const mid = await call(api, `${s}/messages?priority=mid`, { body: { n: "m" } });
    const none = await call(api, `${s}/messages`, { body: { n: "none" } });
    const low = await call(api, `${s}/messages?priority=low`, { body: { n: "low" } });
    for (const r of [high, mid, none, low]) expect(r.status).toBe(201);
    expect(await entries(f.tcp, lane(fn.stream, "high"))).toEqual([{ id: high.body.ids[0], message: { n: "h1" } }, { id: high.body.ids[1], message: { n: "h2" } }]);
    expect(await entries(f.tcp, lane(fn.stream, "mid"))).toEqual([{ id: mid.body.ids[0], message: { n: "m" } }]);
    expect((await entries(f.tcp, fn.stream)).map((e) => e.message.n)).toEqual(["none", "low"]);
    expect(await f.tcp.exists(lane(fn.stream, "low"))).toBe(0);
  });

  it("honours `lanes.default`: the default lane is the stream, the lowest lane then has its own", async () => {
    const { fn, api, s } = laned({ lanes: { names: ["high", "low"], default: "high" } });
    expect((await call(api, `${s}/messages?priority=low`, { body: { n: "1" } })).status).toBe(201);
    expect((await call(api, `${s}/messages?priority=high`, { body: { n: "2" } })).status).toBe(201);
    expect((await entries(f.tcp, lane(fn.stream, "low"))).map((e) => e.message.n)).toEqual(["1"]);
    expect((await entries(f.tcp, fn.stream)).map((e) => e.message.n)).toEqual(["2"]);
  });

  describe("refuses with a 400 naming the problem and writes nothing, with or without Idempotency-Key", () => {
    const cases: [string, boolean, string, string, string][] = [
      ["a priority on a stream without lanes", false, "high", "no_lanes", "has no lanes"],
      ["an unknown lane", true, "urgent", "unknown_priority", '"urgent" is not a lane of'],
      ["an empty priority", true, "", "unknown_priority", 'its lanes, highest first: "high", "mid", "low"'],
    ];
    it.each(cases)("%s", async (_, withLanes, priority, code, message) => {
      const { fn, api, s } = withLanes ? laned({ delays: true }) : setup({ handle: async () => {}, options: { delays: true } });
      const before = await snapshot(f.tcp, [idOf(fn)]);
      for (const headers of [{}, { "Idempotency-Key": "k-bad" }] as Record<string, string>[]) {
        for (const query of ["", "&delayMs=1000"]) {
          const res = await call(api, `${s}/messages?priority=${enc(priority)}${query}`, { body: { n: "1" }, headers });
          expect(res).toMatchObject({ status: 400, body: { error: { code } } });
          expect(res.body.error.message).toContain(message);
          expect(res.body.error.message).toContain(fn.stream);
        }
      }
      expect(await snapshot(f.tcp, [idOf(fn)])).toEqual(before);
      expect(await f.tcp.exists(idempotencyKey(fn.stream, "k-bad"))).toBe(0);
    });

    it("a write straight to a lane's stream, pointing at `?priority=`", async () => {
      const { fn, api } = laned();
      const res = await call(api, `/streams/${enc(lane(fn.stream, "high"))}/messages`, { body: { n: "1" } });
      expect(res).toMatchObject({ status: 400, body: { error: { code: "lane_stream" } } });
      expect(res.body.error.message).toContain(`enqueue onto ${JSON.stringify(fn.stream)} with \`?priority=high\``);
      expect(await f.tcp.exists(lane(fn.stream, "high"))).toBe(0);
    });
  });

  it("costs what a plain enqueue costs with wake-on-enqueue: the XADDs into the lane ride with the function's own wake lease", async () => {
    // X-Redis-Requests counts the enqueue and what its woken session sent before the answer, the same with and without a lane.
    const enqueueWaking = async (query: string) => {
      const { fn, api, s } = laned();
      const started: Promise<unknown>[] = [];
      const ctx = { waitUntil: (p: Promise<unknown>) => void started.push(p), passThroughOnException() {}, props: {} };
      const init = { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify([{ n: "1" }, { n: "2" }]) };
      const res = await api.request(`${s}/messages${query}`, init, apiEnv(), ctx as never);
      expect(res.status).toBe(201);
      const leases = [await f.tcp.exists(wakeLeaseKey(fn.stream)), await f.tcp.exists(wakeLeaseKey(lane(fn.stream, "high")))];
      expect(started).toHaveLength(1);
      await Promise.all(started);
      return { fn, requests: res.headers.get("x-redis-requests"), leases };
    };
    const plain = await enqueueWaking("");
    const high = await enqueueWaking("?priority=high");
    expect(high.requests).toBe(plain.requests);
    expect(high.leases).toEqual([1, 0]);
    expect(await entries(f.tcp, lane(high.fn.stream, "high"))).toHaveLength(2);
  });

  it("holds a delayed message in the lane's delayed set, not the stream's", async () => {
    const { fn, api, s } = laned({ delays: true });
    const res = await call(api, `${s}/messages?priority=high&delayMs=60000`, { body: { n: "later" } });
    expect(res.status).toBe(201);
    expect(await f.tcp.zRange(delayedKey(lane(fn.stream, "high")), 0, -1)).toEqual(res.body.ids);
    expect(await f.tcp.exists(delayedKey(fn.stream))).toBe(0);
    // The lane's delayed set is listed through the lane's stream.
    const listed = await call(api, `/streams/${enc(lane(fn.stream, "high"))}/delayed`);
    expect(listed).toMatchObject({ status: 200, body: { count: 1, items: [{ id: res.body.ids[0], fields: { n: "later" } }] } });
  });

  it("keeps the Idempotency-Key record on the function's stream: a repeat answers the first ids, another lane under the key is 422", async () => {
    const { fn, api, s } = laned();
    const headers = { "Idempotency-Key": "lane-1" };
    const first = await call(api, `${s}/messages?priority=high`, { body: { n: "1" }, headers });
    const again = await call(api, `${s}/messages?priority=high`, { body: { n: "1" }, headers });
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 200, body: { ids: first.body.ids } });
    expect(await f.tcp.exists(idempotencyKey(fn.stream, "lane-1"))).toBe(1);
    for (const query of ["?priority=mid", ""]) {
      const other = await call(api, `${s}/messages${query}`, { body: { n: "1" }, headers });
      expect(other).toMatchObject({ status: 422, body: { error: { code: "idempotency_key_reused" } } });
    }
    expect((await entries(f.tcp, lane(fn.stream, "high"))).map((e) => e.id)).toEqual(first.body.ids);
    expect(await f.tcp.exists([lane(fn.stream, "mid"), fn.stream])).toBe(0);
  });

  it("a default-lane write under a key hashes as before lanes: `?priority=<default>` repeats a write without one", async () => {
    const { fn, api, s } = laned();
    const headers = { "Idempotency-Key": "lane-2" };
    const first = await call(api, `${s}/messages`, { body: { n: "1" }, headers });
    const again = await call(api, `${s}/messages?priority=low`, { body: { n: "1" }, headers });
    expect(again).toMatchObject({ status: 200, body: { ids: first.body.ids } });
    expect(await entries(f.tcp, fn.stream)).toHaveLength(1);
  });

  it('takes `payload: "json"` bodies into the lane', async () => {
    const { fn, api, s } = laned({}, { payload: "json" });
    const body = { order: "o-1", lines: [{ sku: "Ä-1", qty: 2 }] };
    const res = await call(api, `${s}/messages?priority=high`, { body: { body, headers: { account: "a" } } });
    expect(res.status).toBe(201);
    const [entry] = await entries(f.tcp, lane(fn.stream, "high"));
    expect(entry!.message.account).toBe("a");
    expect(Object.values(entry!.message)).toContain(JSON.stringify(body));
    const shown = await call(api, `/streams/${enc(lane(fn.stream, "high"))}/messages/${res.body.ids[0]}`);
    expect(shown).toMatchObject({ status: 200, body: { body } });
  });

  it("routes a partitioned stream by key, each message into its partition's lane", async () => {
    const fn = track(f.fn({ handle: async () => {}, partitions: { count: 2, key: "c" }, options: { lanes: LANES } }));
    const api = app({ functions: expandPartitions([fn]) });
    const keyFor = (i: number) => [...Array(100).keys()].map((n) => `k${n}`).find((k) => partitionOfKey(k, 2) === i)!;
    const res = await call(api, `/streams/${enc(fn.stream)}/messages?priority=high`, { body: [{ c: keyFor(1), n: "a" }, { c: keyFor(0), n: "b" }] });
    expect(res.status).toBe(201);
    const [p0, p1] = [0, 1].map((i) => partitionStream(fn.stream, i)) as [string, string];
    expect(res.body.streams).toEqual([lane(p1, "high"), lane(p0, "high")]);
    expect((await entries(f.tcp, lane(p1, "high"))).map((e) => e.id)).toEqual([res.body.ids[0]]);
    expect((await entries(f.tcp, lane(p0, "high"))).map((e) => e.id)).toEqual([res.body.ids[1]]);
    expect(await f.tcp.exists([p0, p1])).toBe(0);
    // Under an Idempotency-Key each partition's record sits beside its own stream, and the lane is part of the request.
    const headers = { "Idempotency-Key": "p-lane" };
    const keyed = await call(api, `/streams/${enc(fn.stream)}/messages?priority=mid`, { body: { c: keyFor(0), n: "k" }, headers });
    expect(await call(api, `/streams/${enc(fn.stream)}/messages?priority=mid`, { body: { c: keyFor(0), n: "k" }, headers })).toMatchObject({ status: 200, body: { ids: keyed.body.ids, streams: [lane(p0, "mid")] } });
    expect((await call(api, `/streams/${enc(fn.stream)}/messages?priority=high`, { body: { c: keyFor(0), n: "k" }, headers })).status).toBe(422);
    expect((await entries(f.tcp, lane(p0, "mid"))).map((e) => e.id)).toEqual(keyed.body.ids);
    const bad = await call(api, `/streams/${enc(fn.stream)}/messages?priority=nope`, { body: { c: keyFor(0), n: "x" } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "unknown_priority" } } });
    const direct = await call(api, `/streams/${enc(lane(p0, "high"))}/messages`, { body: { c: keyFor(0) } });
    expect(direct.body.error.message).toContain(`enqueue onto ${JSON.stringify(fn.stream)} with \`?priority=high\``);
  });
});

describe("lane streams in the inspect routes", () => {
  it("answers a lane's stream info, groups, pending and messages", async () => {
    const { fn, api, s } = laned();
    const sent = await call(api, `${s}/messages?priority=high`, { body: { n: "1" } });
    await f.tcp.xGroupCreate(lane(fn.stream, "high"), fn.group, "0");
    await f.tcp.xReadGroup(fn.group, "c", { key: lane(fn.stream, "high"), id: ">" });
    const ls = `/streams/${enc(lane(fn.stream, "high"))}`;
    expect(await call(api, ls)).toMatchObject({ status: 200, body: { length: 1, lastId: sent.body.ids[0] } });
    expect(await call(api, `${ls}/groups`)).toMatchObject({ status: 200, body: { groups: [{ name: fn.group, pending: 1 }] } });
    expect(await call(api, `${ls}/groups/${fn.group}/pending`)).toMatchObject({ status: 200, body: { entries: [{ id: sent.body.ids[0], consumer: "c" }] } });
    const message = await call(api, `${ls}/messages/${sent.body.ids[0]}`);
    expect(message).toMatchObject({ status: 200, body: { fields: { n: "1" }, groups: [{ function: fn.name, pending: { consumer: "c" } }] } });
  });
});

describe("functions sharing a stream", () => {
  const def = (name: string, lanes?: unknown) =>
    definePollingFunction({ name, stream: "shared-lanes", group: name, crons: ["* * * * *"], handle: async () => {}, options: lanes === undefined ? {} : { lanes: lanes as never } });
  it("refuses lanes that disagree, naming both functions", () => {
    expect(() => createWorker({ functions: [def("a", LANES), def("b", { names: ["high", "low"] })] })).toThrow(/a \(lanes .*\) and b \(lanes .*\) both consume "shared-lanes"/);
    expect(() => createWorker({ functions: [def("a", LANES), def("b")] })).toThrow(/a \(lanes .*\) and b \(no lanes\) both consume "shared-lanes"; .*give both the same `lanes`/);
    expect(() => createWorker({ functions: [def("a", LANES), def("b", { names: ["high", "mid", "low"], weights: [16, 4, 1] })] })).not.toThrow();
  });
});

describe("a function with lanes in GET /functions and the console's view", () => {
  it("lists each lane highest first, with its stream, length, pending and lag, in the view's one request; the sidebar sums them", async () => {
    const { fn, api, s } = laned();
    await call(api, `${s}/messages?priority=high`, { body: [{ n: "1" }, { n: "2" }, { n: "3" }] });
    await call(api, `${s}/messages?priority=mid`, { body: { n: "4" } });
    await call(api, `${s}/messages`, { body: [{ n: "5" }, { n: "6" }] });
    for (const stream of [lane(fn.stream, "high"), lane(fn.stream, "mid"), fn.stream]) await f.tcp.xGroupCreate(stream, fn.group, "0");
    await f.tcp.xReadGroup(fn.group, "c", { key: lane(fn.stream, "high"), id: ">" }, { COUNT: 2 });

    const listed = await call(api, "/functions");
    expect(listed.body.functions[0].lanes).toEqual([
      { name: "high", stream: lane(fn.stream, "high"), weight: 16, default: false },
      { name: "mid", stream: lane(fn.stream, "mid"), weight: 4, default: false },
      { name: "low", stream: fn.stream, weight: 1, default: true },
    ]);
    const view = await call(api, `/functions/${fn.name}/view`);
    expect(view.headers.get("x-redis-requests")).toBe("1");
    expect(view.body.overview.lanes).toEqual([
      { name: "high", stream: lane(fn.stream, "high"), weight: 16, default: false, length: 3, pending: 2, lag: 1 },
      { name: "mid", stream: lane(fn.stream, "mid"), weight: 4, default: false, length: 1, pending: 0, lag: 1 },
      { name: "low", stream: fn.stream, weight: 1, default: true, length: 2, pending: 0, lag: 2 },
    ]);
    expect(view.body.sidebar[0]).toMatchObject({ pending: 2, lag: 4, backlog: 6 });
    expect(view.body.overview).toMatchObject({ length: 2, groups: [{ name: fn.group, pending: 0, lag: 2 }] });
    // A list tab reads the sidebar only: one XINFO GROUPS per lane, the dead letters, the pause gate, the newest report.
    expect(Number((await call(api, `/functions/${fn.name}/view?tab=pending`)).headers.get("x-redis-commands"))).toBe(3 + 3);
  });
});

describe("lane streams beside the function's own", () => {
  it("GET /metrics reports the group on each lane's stream", async () => {
    const { fn, api, s } = laned();
    await call(api, `${s}/messages?priority=high`, { body: [{ n: "1" }, { n: "2" }] });
    await call(api, `${s}/messages?priority=mid`, { body: { n: "3" } });
    for (const stream of [lane(fn.stream, "high"), lane(fn.stream, "mid"), fn.stream]) await f.tcp.xGroupCreate(stream, fn.group, "0", { MKSTREAM: true });
    await f.tcp.xReadGroup(fn.group, "c", { key: lane(fn.stream, "high"), id: ">" }, { COUNT: 1 });
    const text = (await call(api, "/metrics")).text;
    const sample = (metric: string, stream: string) => new RegExp(`^${metric}\\{function="${fn.name}",stream="${stream}",group="${fn.group}"\\} (\\d+)$`, "m").exec(text)?.[1];
    expect([sample("cronsumer_group_pending", lane(fn.stream, "high")), sample("cronsumer_group_lag", lane(fn.stream, "high"))]).toEqual(["1", "1"]);
    expect([sample("cronsumer_group_pending", lane(fn.stream, "mid")), sample("cronsumer_group_lag", lane(fn.stream, "mid"))]).toEqual(["0", "1"]);
    expect(sample("cronsumer_group_pending", fn.stream)).toBe("0");
    expect(text).toContain(`cronsumer_stream_length{stream="${lane(fn.stream, "high")}"} 2`);
  });

  it("replays a dead letter from a lane back into that lane, for its group", async () => {
    const { fn, api } = laned();
    const dlq = `${fn.stream}:dlq`;
    const letter = await f.tcp.xAdd(dlq, "*", deadLetterFields({ originalId: "1-0", stream: lane(fn.stream, "high"), group: fn.group, function: fn.name, deliveries: 5, error: "boom", failedAt: new Date().toISOString(), fields: { n: "poison" } }));
    const res = await call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body: { ids: [letter] } });
    expect(res).toMatchObject({ status: 200, body: { replayed: [{ deadLetterId: letter, stream: lane(fn.stream, "high"), group: fn.group }] } });
    const [entry] = await entries(f.tcp, lane(fn.stream, "high"));
    expect(entry).toMatchObject({ id: res.body.replayed[0].newId, message: { n: "poison" } });
    expect(await f.tcp.exists(fn.stream)).toBe(0);
    // The drawer's dead letter says how to enqueue it again: through the function's stream, with its lane.
    const shown = await call(api, `/streams/${enc(lane(fn.stream, "high"))}/messages/${entry!.id}`);
    expect(shown.body.lane).toEqual({ stream: fn.stream, name: "high" });
  });
});
