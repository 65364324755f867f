/**
 * Group management through the API: idempotent create, SETID to replay or
 * skip, and consumer deletion that never drops a pending entry.
 */
import { describe, expect, it } from "vitest";
import { consumerName, gateKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, pending } from "../../support/engine.js";
import { call, idOf, snapshot, useApiFixture } from "./support.js";

const { f, setup, track } = useApiFixture();

const groupsOf = async (stream: string) => (await f.tcp.xInfoGroups(stream)) as unknown as { name: string; "last-delivered-id": string; pending: number }[];

describe("groups", () => {
  it("PUT creates a group (and the stream) with 201, then answers 200 unchanged", async () => {
    const { fn, api, s } = setup();
    const created = await call(api, `${s}/groups/replayers`, { method: "PUT", body: { start: "0" } });
    expect(created).toMatchObject({ status: 201, body: { stream: fn.stream, group: "replayers", created: true, start: "0" } });
    const again = await call(api, `${s}/groups/replayers`, { method: "PUT", body: { start: "$" } });
    expect(again).toMatchObject({ status: 200, body: { created: false } });
    expect((await groupsOf(fn.stream)).map((g) => [g.name, g["last-delivered-id"]])).toEqual([["replayers", "0-0"]]);
  });

  it('PUT starts at "$" by default', async () => {
    const { fn, api, s } = setup();
    const [last] = (await enqueue(f.tcp, fn.stream, [{ n: "1" }])).slice(-1);
    expect((await call(api, `${s}/groups/late`, { method: "PUT", body: {} })).status).toBe(201);
    expect((await groupsOf(fn.stream))[0]!["last-delivered-id"]).toBe(last);
  });

  it('setid "0" replays the stream to the group, and the next run hands it to the handler again; "$" skips what was not delivered', async () => {
    const seen: string[] = [];
    const { fn, api, s } = setup({ handle: async (m) => void seen.push(m.fields.n!) });
    const written = await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2" }]);
    await f.createGroup(fn, "0");
    const run = () => runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
    await run();
    expect(seen).toEqual(["1", "2"]);
    expect(await call(api, `${s}/groups/g/setid`, { body: { id: "0" } })).toMatchObject({ status: 200, body: { id: "0" } });
    expect((await groupsOf(fn.stream))[0]!["last-delivered-id"]).toBe("0-0");
    await run();
    expect(seen).toEqual(["1", "2", "1", "2"]);
    expect((await call(api, `${s}/groups/g/setid`, { body: { id: written[0] } })).status).toBe(200);
    expect((await groupsOf(fn.stream))[0]!["last-delivered-id"]).toBe(written[0]);
    expect((await call(api, `${s}/groups/g/setid`, { body: { id: "$" } })).status).toBe(200);
    expect((await groupsOf(fn.stream))[0]!["last-delivered-id"]).toBe(written[1]);
  });
});

describe("ids past the end of the stream, and ids beyond 64 bits", () => {
  const beyond = (id: string) => {
    const [ms, seq] = id.split("-").map(BigInt);
    return `${ms! + 1n}-${seq}`;
  };

  it("PUT refuses a start past the last generated id with 409 naming it, writing nothing", async () => {
    const { fn, api, s } = setup();
    const [, last] = await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2" }]);
    await f.tcp.xDel(fn.stream, last!); // The last generated id outlives its entry.
    const before = await snapshot(f.tcp, [idOf(fn)]);
    const res = await call(api, `${s}/groups/late`, { method: "PUT", body: { start: beyond(last!) } });
    expect(res).toMatchObject({ status: 409, body: { error: { code: "id_beyond_stream" } } });
    expect(res.body.error.message).toContain(`(${last})`);
    expect(await snapshot(f.tcp, [idOf(fn)])).toEqual(before);
    expect((await call(api, `${s}/groups/late`, { method: "PUT", body: { start: last } })).status).toBe(201);
  });

  it("PUT refuses any start but 0 and $ on a stream that does not exist yet, creating nothing", async () => {
    const { fn, api, s } = setup();
    const res = await call(api, `${s}/groups/early`, { method: "PUT", body: { start: "5-0" } });
    expect(res).toMatchObject({ status: 409, body: { error: { code: "id_beyond_stream" } } });
    expect(res.body.error.message).toContain("(0-0)");
    expect(await snapshot(f.tcp, [idOf(fn)])).toEqual({});
  });

  it("setid refuses an id past the last generated id with 409, leaving the group where it was", async () => {
    const { fn, api, s } = setup();
    const [first, last] = await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2" }]);
    await f.tcp.xGroupCreate(fn.stream, "g", first!);
    const res = await call(api, `${s}/groups/g/setid`, { body: { id: beyond(last!) } });
    expect(res).toMatchObject({ status: 409, body: { error: { code: "id_beyond_stream" } } });
    expect(res.body.error.message).toContain(`(${last})`);
    expect((await groupsOf(fn.stream))[0]!["last-delivered-id"]).toBe(first);
  });

  it("a run refuses a startId past the end of the stream, naming it, and creates no group", async () => {
    const fn = track(f.fn({ handle: async () => {}, options: { startId: "99999999999999-0" } }));
    const report = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
    expect(report.stopReason).toBe("error");
    expect(report.error).toContain("99999999999999-0 is beyond the last id");
    expect(await f.tcp.exists([fn.stream, gateKey(fn.stream)])).toBe(0);
  });

  it("ids beyond 64 bits answer 400 and write nothing, on PUT and setid", async () => {
    const { fn, api, s } = setup();
    await f.tcp.xGroupCreate(fn.stream, "g", "0", { MKSTREAM: true });
    const before = await snapshot(f.tcp, [idOf(fn)]);
    for (const [path, body] of [
      [`${s}/groups/wide`, { start: "18446744073709551616-0" }],
      [`${s}/groups/wide`, { start: "0-18446744073709551616" }],
      [`${s}/groups/g/setid`, { id: "18446744073709551616" }],
    ] as const) {
      const res = await call(api, path, { method: path.endsWith("setid") ? "POST" : "PUT", body });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain("2^64-1");
    }
    expect(await snapshot(f.tcp, [idOf(fn)])).toEqual(before);
  });

  it("a group creation Redis refuses leaves no group on the gate", async () => {
    const { fn, api, s } = setup();
    await f.tcp.set(fn.stream, "not a stream");
    const res = await call(api, `${s}/groups/g`, { method: "PUT", body: { start: "0" } });
    expect(res).toMatchObject({ status: 502, body: { error: { code: "redis_error" } } });
    expect(res.body.error.message).toContain("WRONGTYPE");
    expect(await f.tcp.exists(gateKey(fn.stream))).toBe(0);
    await f.tcp.del(fn.stream);
  });
});

describe("DELETE …/consumers/:consumer", () => {
  it("moves every pending entry first (past one XPENDING page), keeping delivery counts and idle times", async () => {
    const { fn, api, s } = setup();
    await f.tcp.xGroupCreate(fn.stream, "g", "0", { MKSTREAM: true });
    await enqueue(f.tcp, fn.stream, Array.from({ length: 1_201 }, (_, i) => ({ n: String(i) })));
    await f.tcp.xReadGroup("g", "doomed", { key: fn.stream, id: ">" }, { COUNT: 1_200 });
    // Some entries delivered again (count 2), and all of them idle for a while.
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", "g", "doomed", "COUNT", "10", "STREAMS", fn.stream, "0"]);
    await age(f.tcp, fn.stream, "g", 90_000);
    await f.tcp.xReadGroup("g", "other", { key: fn.stream, id: ">" }, { COUNT: 1 });
    const before = await pending(f.tcp, fn.stream, "g");
    const summaryBefore = await f.tcp.xPending(fn.stream, "g");

    const res = await call(api, `${s}/groups/g/consumers/doomed`, { method: "DELETE" });
    expect(res).toMatchObject({ status: 200, body: { deleted: true, moved: 1_200, to: consumerName(fn.name, 0) } });

    const after = await pending(f.tcp, fn.stream, "g");
    expect((await f.tcp.xPending(fn.stream, "g")).pending).toBe(summaryBefore.pending);
    expect(after.map((p) => [p.id, p.deliveries])).toEqual(before.map((p) => [p.id, p.deliveries]));
    expect(after.filter((p) => p.consumer === "doomed")).toEqual([]);
    expect(after.filter((p) => p.consumer === consumerName(fn.name, 0))).toHaveLength(1_200);
    expect(before.filter((p) => p.deliveries === 2)).toHaveLength(10);
    // Idle times carried over (they only grew by the test's own duration).
    const idleBefore = new Map(before.map((p) => [p.id, p.idleMs]));
    for (const p of after.filter((x) => x.consumer !== "other")) expect(p.idleMs).toBeGreaterThanOrEqual(idleBefore.get(p.id)!);
    const consumers = (await f.tcp.xInfoConsumers(fn.stream, "g")).map((c) => c.name).sort();
    expect(consumers).toEqual([consumerName(fn.name, 0), "other"].sort());
  });

  it("moves to ?to=<name> when given", async () => {
    const { fn, api, s } = setup();
    await f.tcp.xGroupCreate(fn.stream, "g", "0", { MKSTREAM: true });
    await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2" }]);
    await f.tcp.xReadGroup("g", "doomed", { key: fn.stream, id: ">" }, { COUNT: 2 });
    expect(await call(api, `${s}/groups/g/consumers/doomed?to=heir`, { method: "DELETE" })).toMatchObject({ status: 200, body: { moved: 2, to: "heir" } });
    expect((await pending(f.tcp, fn.stream, "g")).map((p) => p.consumer)).toEqual(["heir", "heir"]);
  });

  it("deletes a consumer with nothing pending", async () => {
    const { fn, api, s } = setup();
    await f.tcp.xGroupCreate(fn.stream, "g", "0", { MKSTREAM: true });
    await f.tcp.xGroupCreateConsumer(fn.stream, "g", "idle");
    expect(await call(api, `${s}/groups/g/consumers/idle`, { method: "DELETE" })).toMatchObject({ status: 200, body: { deleted: true, moved: 0 } });
    expect(await f.tcp.xInfoConsumers(fn.stream, "g")).toEqual([]);
  });

  it("answers 404 for an unknown consumer and changes nothing", async () => {
    const { fn, api, s } = setup();
    await f.tcp.xGroupCreate(fn.stream, "g", "0", { MKSTREAM: true });
    await enqueue(f.tcp, fn.stream, [{ n: "1" }]);
    await f.tcp.xReadGroup("g", "someone", { key: fn.stream, id: ">" }, { COUNT: 1 });
    const before = await pending(f.tcp, fn.stream, "g");
    const res = await call(api, `${s}/groups/g/consumers/nobody`, { method: "DELETE" });
    expect(res).toMatchObject({ status: 404, body: { error: { code: "consumer_not_found" } } });
    expect((await pending(f.tcp, fn.stream, "g")).map((p) => p.consumer)).toEqual(before.map((p) => p.consumer));
  });

  it("refuses the function's own pool consumers (409, see safe-delete.test.ts)", async () => {
    const { fn, api, s } = setup();
    await f.tcp.xGroupCreate(fn.stream, "g", "0", { MKSTREAM: true });
    await enqueue(f.tcp, fn.stream, [{ n: "1" }]);
    await f.tcp.xReadGroup("g", consumerName(fn.name, 0), { key: fn.stream, id: ">" }, { COUNT: 1 });
    const res = await call(api, `${s}/groups/g/consumers/${consumerName(fn.name, 0)}`, { method: "DELETE" });
    expect(res).toMatchObject({ status: 409, body: { error: { code: "consumer_in_use" } } });
  });
});
