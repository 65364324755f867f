/**
 * What the dashboard reads: filtered pages of dead letters and pending
 * entries, one message with its history, the per-minute series (checked
 * against the run reports Redis holds), its bounded backlog samples, and
 * the headers that tell a client what a request cost and what its token may do.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/app.js";
import { PermanentError } from "../../../src/core/redis/errors.js";
import { REPORTS_KEPT, SAMPLES_KEPT, reportsKey, samplesKey } from "../../../src/core/redis/keys.js";
import type { RunReport } from "../../../src/core/features/report.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue } from "../../support/engine.js";
import { call, enc, idOf, READ_TOKEN, snapshot, useApiFixture } from "./support.js";
import { plantDeadLetter } from "./replay-support.js";

const api = useApiFixture();
const { f, setup } = api;
const run = (fn: Parameters<typeof runFunction>[0]) => runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });

describe("dead letters, filtered", () => {
  async function planted() {
    const s = setup();
    const dlq = `${s.fn.stream}:dlq`;
    for (let i = 1; i <= 6; i++) {
      await f.tcp.xAdd(dlq, `${i * 1000}-0`, {
        "original-id": `${i}-0`, stream: i % 2 === 0 ? s.fn.stream : "elsewhere", group: "g", function: s.fn.name, deliveries: "1",
        error: i <= 3 ? `Card declined ${i}` : `timeout ${i}`, "failed-at": new Date(i * 1000).toISOString(), fields: JSON.stringify({ n: String(i) }),
      });
    }
    return { ...s, list: (q: string) => call(s.api, `/streams/${enc(dlq)}/dead-letters?${q}`) };
  }
  const ids = (res: { body: { entries: { id: string }[] } }) => res.body.entries.map((e) => e.id);

  it("by error text (any case), source stream and date, paging through matches", async () => {
    const s = await planted();
    expect(ids(await s.list("q=DECLINED"))).toEqual(["1000-0", "2000-0", "3000-0"]);
    expect(ids(await s.list(`source=${enc(s.fn.stream)}`))).toEqual(["2000-0", "4000-0", "6000-0"]);
    expect(ids(await s.list("from=2000&to=4000"))).toEqual(["2000-0", "3000-0", "4000-0"]);
    const first = await s.list("q=timeout&count=2");
    expect(ids(first)).toEqual(["4000-0", "5000-0"]);
    const second = await s.list(`q=timeout&count=2&start=${first.body.next}`);
    expect(ids(second)).toEqual(["6000-0"]);
    expect(second.body.next).toBeNull();
    expect(second.body.scanned).toBe(1);
  });

  it("refuses bad filters with a 400 naming the parameter", async () => {
    const s = await planted();
    const backwards = await s.list("from=5&to=4");
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.message).toContain('query parameter "to"');
    expect((await s.list("from=yesterday")).body.error.message).toContain('query parameter "from"');
    expect((await s.list("q=")).status).toBe(400);
  });
});

describe("pending, filtered by deliveries", () => {
  it("lists only entries delivered at least minDeliveries times, and paging still visits every entry", async () => {
    const fails = new Set<string>();
    const s = setup({ handle: async (m) => { if (fails.has(m.fields.n!)) throw new Error(`no ${m.fields.n}`); } , options: { visibilityTimeoutMs: 60_000, backoff: { baseDelayMs: 0, maxDelayMs: 0 } } as never });
    await enqueue(f.tcp, s.fn.stream, [{ n: "a" }, { n: "b" }, { n: "c" }]);
    fails.add("a").add("b").add("c");
    await run(s.fn);
    await age(f.tcp, s.fn.stream, "g", 120_000);
    fails.delete("c");
    fails.add("a");
    await run(s.fn); // a and b are delivered a second time; c is acknowledged
    const res = await call(s.api, `${s.s}/groups/g/pending?minDeliveries=2`);
    expect(res.status).toBe(200);
    expect(res.body.entries.map((e: { deliveries: number }) => e.deliveries)).toEqual([2, 2]);
    expect((await call(s.api, `${s.s}/groups/g/pending?minDeliveries=3`)).body.entries).toEqual([]);
    expect((await call(s.api, `${s.s}/groups/g/pending?minDeliveries=0`)).body.error.message).toContain('query parameter "minDeliveries"');
  });
});

describe("one message", () => {
  it("on its source stream: fields, pending state, last error and history, without delivering it", async () => {
    const s = setup({ handle: async (m) => { throw new Error(`down for ${m.fields.n}`); } });
    const [id] = await enqueue(f.tcp, s.fn.stream, [{ n: "x" }]);
    await run(s.fn);
    const before = await f.tcp.sendCommand(["XPENDING", s.fn.stream, "g", "-", "+", "10"]);
    const res = await call(s.api, `${s.s}/messages/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id, enqueuedAt: Number(id!.split("-")[0]), fields: { n: "x" }, deadLetter: null,
      groups: [{ function: s.fn.name, group: "g", pending: { deliveries: 1 }, lastError: { attempt: 1, error: "down for x" } }],
    });
    expect(res.body.history).toEqual([expect.objectContaining({ function: s.fn.name, attempt: 1, error: "down for x" })]);
    // Not delivered: same owner and count, and its idle time went on (a read would have reset it).
    const [, owner, idle, count] = ((await f.tcp.sendCommand(["XPENDING", s.fn.stream, "g", "-", "+", "10"])) as unknown as [string, string, number, number][])[0]!;
    const [, ownerBefore, idleBefore, countBefore] = (before as unknown as [string, string, number, number][])[0]!;
    expect([owner, count]).toEqual([ownerBefore, countBefore]);
    expect(idle).toBeGreaterThanOrEqual(idleBefore!);
  });

  it("in the dead-letter stream: the dead letter, with the history of its original id", async () => {
    const s = setup({ handle: async () => { throw new PermanentError("bad"); } });
    const [id] = await enqueue(f.tcp, s.fn.stream, [{ n: "y" }]);
    await run(s.fn);
    const dlq = `${s.fn.stream}:dlq`;
    const [dead] = (await f.tcp.xRange(dlq, "-", "+")) as { id: string }[];
    const res = await call(s.api, `/streams/${enc(dlq)}/messages/${dead!.id}`);
    expect(res.body.deadLetter).toMatchObject({ originalId: id, fields: { n: "y" } });
    expect(res.body.groups).toEqual([]);
    expect(res.body.history).toEqual([expect.objectContaining({ attempt: 1, error: "PermanentError: bad" })]);
  });

  it("404 for an id not in the stream, 400 for one that is not an id", async () => {
    const s = setup();
    await plantDeadLetter(f.tcp, s.fn, `${s.fn.stream}:dlq`, "1-0", { n: "z" });
    expect((await call(s.api, `${s.s}/messages/1-0`)).body.error.code).toBe("message_not_found");
    const bad = await call(s.api, `${s.s}/messages/abc`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('path parameter "id"');
  });
});

describe("the series", () => {
  it("sums the stored run reports per minute, with latency percentiles the runs recorded", async () => {
    let calls = 0;
    const s = setup({ handle: async () => { if (++calls % 4 === 0) throw new PermanentError("every fourth"); } });
    for (let i = 0; i < 3; i++) {
      await enqueue(f.tcp, s.fn.stream, Array.from({ length: 4 }, (_, j) => ({ n: `${i}-${j}` })));
      await run(s.fn);
    }
    const res = await call(s.api, `/functions/${s.fn.name}/series`);
    expect(res.status).toBe(200);
    const stored = (await f.tcp.lRange(reportsKey(s.fn.name), 0, REPORTS_KEPT - 1)).map((r) => JSON.parse(r) as RunReport);
    const sum = (k: "acked" | "deadLettered" | "commands" | "runs") => res.body.minutes.reduce((n: number, m: Record<string, number>) => n + m[k]!, 0);
    expect(sum("runs")).toBe(stored.length);
    expect(sum("acked")).toBe(9);
    expect(sum("deadLettered")).toBe(3);
    expect(sum("commands")).toBe(stored.reduce((n, r) => n + r.commands, 0));
    for (const r of stored) {
      expect(r.latencyMs).toMatchObject({ count: 3 });
      expect(r.latencyMs!.p50).toBeLessThanOrEqual(r.latencyMs!.p99);
      expect(r.latencyMs!.max).toBeLessThan(60_000);
    }
    const p99 = Math.max(...res.body.minutes.map((m: { p99: number }) => m.p99));
    expect(p99).toBe(Math.max(...stored.map((r) => r.latencyMs!.p99)));
    expect(res.body.current).toMatchObject({ pending: 0, lag: 0, length: 12 });
  });

  it("under READ_TOKEN, no GET route the dashboard reads writes anything, even when a backlog sample is due", async () => {
    const s = setup({ handle: async () => { throw new Error("later"); } });
    await enqueue(f.tcp, s.fn.stream, [{ n: "1" }, { n: "2" }]);
    await run(s.fn);
    // The newest sample is an hour old: a sample is due, and a route that took samples would take one now.
    await f.tcp.del(samplesKey(s.fn.name));
    await f.tcp.lPush(samplesKey(s.fn.name), JSON.stringify({ t: Date.now() - 3_600_000, pending: 0, lag: 0, length: 0 }));
    const before = await snapshot(f.tcp, [idOf(s.fn)]);
    const dlq = enc(`${s.fn.stream}:dlq`);
    for (const path of ["/functions", `/functions/${s.fn.name}/series`, `/functions/${s.fn.name}/view`, `/functions/${s.fn.name}/view?tab=runs`, s.s, `${s.s}/groups`, `${s.s}/groups/g/consumers`, `${s.s}/groups/g/pending`, `/streams/${dlq}`, `/streams/${dlq}/dead-letters`]) {
      const res = await call(s.api, path, { token: READ_TOKEN });
      expect(res.status, path).toBe(200);
    }
    expect(await snapshot(f.tcp, [idOf(s.fn)])).toEqual(before);
  });

  it("a run that stores its report takes a backlog sample in the same request, at most once a minute, bounded at SAMPLES_KEPT", async () => {
    const s = setup({ handle: async () => {} });
    const old = JSON.stringify({ t: Date.now() - 3_600_000, pending: 0, lag: 0, length: 0 });
    await f.tcp.lPush(samplesKey(s.fn.name), Array.from({ length: SAMPLES_KEPT }, () => old));
    await enqueue(f.tcp, s.fn.stream, [{ n: "1" }, { n: "2" }, { n: "3" }]);
    const first = await run(s.fn);
    expect(first).toMatchObject({ read: 3, acked: 3 });
    expect(await f.tcp.lLen(samplesKey(s.fn.name))).toBe(SAMPLES_KEPT);
    const [newest] = await f.tcp.lRange(samplesKey(s.fn.name), 0, 0);
    expect(JSON.parse(newest!)).toMatchObject({ pending: 0, lag: 0, length: 3 });
    expect(JSON.parse(newest!).t).toBeGreaterThanOrEqual(Date.parse(first.startedAt));
    // A second run within the minute stores its report but no second sample.
    await enqueue(f.tcp, s.fn.stream, [{ n: "4" }]);
    await run(s.fn);
    expect(await f.tcp.lRange(samplesKey(s.fn.name), 0, 1)).toEqual([newest, old]);
    expect(await f.tcp.lLen(reportsKey(s.fn.name))).toBe(2);
    const series = await call(s.api, `/functions/${s.fn.name}/series?minutes=5`, { token: READ_TOKEN });
    expect(series.headers.get("x-redis-requests")).toBe("1");
    expect(series.body.samples.at(-1)).toEqual(JSON.parse(newest!));
    expect(series.body.samples).toHaveLength(5);
  });

  it("warns of a stale consumer holding messages and of failing runs", async () => {
    const s = setup({ handle: async () => { throw new Error("nope"); } });
    await enqueue(f.tcp, s.fn.stream, [{ n: "1" }]);
    await run(s.fn);
    await f.tcp.lPush(reportsKey(s.fn.name), JSON.stringify({ function: s.fn.name, startedAt: new Date().toISOString(), stopReason: "error", error: "Redis down", failures: [] }));
    const res = await call(s.api, `/functions/${s.fn.name}/series`, { env: { STALE_CONSUMER_MS: "1" } });
    expect(res.body.warnings.map((w: { kind: string }) => w.kind).sort()).toEqual(["runs_failing", "stale_consumer"]);
    expect((await call(s.api, `/functions/nope/series`)).status).toBe(404);
    expect((await call(s.api, `/functions/${s.fn.name}/series?minutes=0`)).body.error.message).toContain('query parameter "minutes"');
  });
});

describe("the console's view", () => {
  it("answers the sidebar of every function and the Overview in one Redis request, at most 5 commands a function", async () => {
    const a = api.track(f.fn({ handle: async (m) => { if (m.fields.n === "bad") throw new PermanentError("bad"); } }));
    const b = api.track(f.fn({ handle: async () => {} }));
    const c = api.track(f.fn({ handle: async () => {} }));
    const app = createApp({ functions: [a, b, c] });
    await enqueue(f.tcp, a.stream, [{ n: "1" }, { n: "bad" }, { n: "3" }]);
    await run(a);
    await enqueue(f.tcp, b.stream, [{ n: "x" }]);
    const res = await call(app, `/functions/${a.name}/view`, { token: READ_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-redis-requests")).toBe("1");
    expect(Number(res.headers.get("x-redis-commands"))).toBeLessThanOrEqual(5 * 3);
    expect(res.body.sidebar.map((s: { name: string }) => s.name)).toEqual([a.name, b.name, c.name]);
    const [sa, sb] = res.body.sidebar;
    expect(sa).toMatchObject({ state: "running", pending: 0, lag: 0, backlog: 0, deadLetters: await f.tcp.xLen(`${a.stream}:dlq`), warning: "1 dead letter" });
    expect(sb).toMatchObject({ pending: 0, lag: null, deadLetters: 0, lastRunAt: null, warning: null });
    expect(res.body.function).toMatchObject({ name: a.name, paused: false, deadLetterCount: 1 });
    expect(res.body.function.recentRuns).toHaveLength(await f.tcp.lLen(reportsKey(a.name)));
    expect(res.body.overview).toMatchObject({ length: 3, groups: [{ name: "g", pending: 0 }] });
    expect(res.body.overview.series.minutes.reduce((n: number, m: { acked: number }) => n + m.acked, 0)).toBe(2);
    // A list tab reads only the sidebar: its list comes from the list route while the tab is open.
    const pendingTab = await call(app, `/functions/${a.name}/view?tab=pending`);
    expect(pendingTab.headers.get("x-redis-requests")).toBe("1");
    expect(Number(pendingTab.headers.get("x-redis-commands"))).toBe(4 * 3);
    expect(pendingTab.body.overview).toBeNull();
    expect((await call(app, `/functions/${a.name}/view?tab=nope`)).body.error.message).toContain('query parameter "tab"');
    expect((await call(app, "/functions/nope/view")).status).toBe(404);
  });
});

describe("what a token may do", () => {
  it("is told in X-Cronsumer-Access on every answer", async () => {
    const s = setup();
    expect((await call(s.api, "/functions")).headers.get("x-cronsumer-access")).toBe("write");
    expect((await call(s.api, "/functions", { token: READ_TOKEN })).headers.get("x-cronsumer-access")).toBe("read");
    const refused = await call(s.api, `/functions/${s.fn.name}/run`, { method: "POST", token: READ_TOKEN });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-cronsumer-access")).toBe("read");
  });
});
