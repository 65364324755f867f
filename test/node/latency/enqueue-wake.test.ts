/**
 * Enqueue starts consumption: through the API, a committed enqueue runs the
 * stream's functions in the request's `waitUntil`, with no cron tick at all.
 * Concurrent enqueues coalesce on the wake lease (one SET each, nothing
 * else), and a repeated Idempotency-Key starts nothing.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/app.js";
import type { ApiApp } from "../../../src/api/context.js";
import type { Command, Transport } from "../../../src/core/redis/transport.js";
import { expandPartitions } from "../../../src/core/partitions/partition-members.js";
import { partitionOfKey, partitionStream } from "../../../src/core/define/partitions.js";
import { wakeConsumers } from "../../../src/functions/wake.js";
import { bridgeTransport, enqueue, pending } from "../../support/engine.js";
import { apiEnv, enc, TOKEN, useApiFixture } from "../api/support.js";

const a = useApiFixture();

/** What workerd hands a fetch handler, keeping what was passed to `waitUntil`. */
function executionContext() {
  const started: Promise<unknown>[] = [];
  return { started, ctx: { waitUntil: (p: Promise<unknown>) => void started.push(p), passThroughOnException() {}, props: {} } };
}

/** A transport that tallies every command it sends by name. */
function tallying(inner: Transport) {
  const names = new Map<string, number>();
  const batches: string[][] = [];
  // A wake lease's EVAL is told apart from the other scripts a run sends (its report's backlog sample, say) by its key.
  const nameOf = (c: Command) => (c[0] === "EVAL" && !String(c[3]).endsWith(":cronsumer-wake") ? "EVAL (not a lease)" : String(c[0]));
  const count = (batch: readonly Command[]) => {
    batches.push(batch.map((c) => (String(c[1]).endsWith(":cronsumer-wake") ? `${c[0]} wake` : String(c[0]))));
    batch.forEach((c) => names.set(nameOf(c), (names.get(nameOf(c)) ?? 0) + 1));
  };
  const t: Transport = {
    pipeline: (batch) => (count(batch), inner.pipeline(batch)),
    transaction: (batch) => (count(batch), inner.transaction(batch)),
  };
  return { t, names, batches };
}

function post(api: ApiApp, stream: string, body: unknown, ctx: object | undefined, headers: Record<string, string> = {}) {
  const init = { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
  return api.request(`/streams/${enc(stream)}/messages`, init, apiEnv(), ctx as never);
}

function consumer() {
  const seen: { orderID: string; at: number }[] = [];
  const fn = a.track(a.f.fn({ handle: async (m) => void seen.push({ orderID: m.fields.orderID!, at: Date.now() }) }));
  return { fn, seen };
}

describe("an enqueue through the API", () => {
  it("starts a run of the stream's functions in waitUntil, handled with no tick", async () => {
    const { fn, seen } = consumer();
    const api = createApp({ functions: [fn] });
    const { started, ctx } = executionContext();

    const res = await post(api, fn.stream, { orderID: "o-1" }, ctx);
    expect(res.status).toBe(201);
    expect(started).toHaveLength(1);
    await Promise.all(started);

    expect(seen.map((s) => s.orderID)).toEqual(["o-1"]);
    expect(await pending(a.f.tcp, fn.stream, fn.group)).toEqual([]);
    const [stored] = await a.f.tcp.lRange(`cronsumer:runs:${fn.name}`, 0, 0);
    expect(JSON.parse(stored!)).toMatchObject({ trigger: "enqueue", read: 1, acked: 1 });
  });

  it("starts nothing on a repeated Idempotency-Key, which wrote nothing", async () => {
    const { fn, seen } = consumer();
    const api = createApp({ functions: [fn] });
    const first = executionContext();
    expect((await post(api, fn.stream, { orderID: "o-1" }, first.ctx, { "Idempotency-Key": "k-1" })).status).toBe(201);
    await Promise.all(first.started);

    const repeat = executionContext();
    expect((await post(api, fn.stream, { orderID: "o-1" }, repeat.ctx, { "Idempotency-Key": "k-1" })).status).toBe(200);

    expect(repeat.started).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it("starts nothing without an ExecutionContext (Node, or a caller passing none): the tick consumes it", async () => {
    const { fn, seen } = consumer();
    const { t, names } = tallying(bridgeTransport());
    const api = createApp({ functions: [fn], transport: () => t });

    expect((await post(api, fn.stream, { orderID: "o-1" }, undefined)).status).toBe(201);

    expect(seen).toEqual([]);
    expect(names.get("EVAL")).toBeUndefined();
  });
});

describe("an enqueue onto a partitioned stream", () => {
  it("wakes the members of every partition it wrote at once, each lease riding in its database's one request", async () => {
    const seen: string[] = [];
    // Three members split the Free plan's 10 ms: on a first run, creating their groups would spend it (see README, Partitioned queues).
    const fn = a.track(a.f.fn({ partitions: { count: 3, key: "k" }, options: { maxCpuMs: 1_000 }, handle: async (m) => void seen.push(m.fields.k!) }));
    const members = expandPartitions([fn]);
    const { t, batches } = tallying(bridgeTransport());
    const api = createApp({ functions: members, transport: () => t });
    const keys = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const written = new Set(keys.map((k) => partitionOfKey(k, 3)));
    const { started, ctx } = executionContext();

    const res = await post(api, fn.stream, keys.map((k) => ({ k })), ctx);
    expect(res.status).toBe(201);
    // One wake for the whole request; the write is one request (one database) holding every XADD and, per partition written, its SET and INCRBY.
    expect(started).toHaveLength(1);
    const [write] = batches;
    expect(batches.filter((b) => b.includes("XADD"))).toEqual([write]);
    expect(write!.filter((c) => c === "XADD")).toHaveLength(keys.length);
    expect(write!.filter((c) => c === "SET wake")).toHaveLength(written.size);
    expect(write!.filter((c) => c === "INCRBY wake")).toHaveLength(written.size);
    const reports = (await Promise.all(started)).flat() as { function: string; acked: number }[];
    // No request besides the write takes a lease.
    expect(batches.filter((b) => b !== write && b.some((c) => c.endsWith(" wake")))).toEqual([]);
    expect(seen.sort()).toEqual(keys);
    expect(new Set(reports.filter((r) => r.acked > 0).map((r) => r.function))).toEqual(new Set([...written].map((i) => `${fn.name}-p${i}`)));
    for (const i of written) expect(await pending(a.f.tcp, partitionStream(fn.stream, i), fn.group)).toEqual([]);
  });
});

describe("WAKE_ON_ENQUEUE=false", () => {
  it("starts nothing: the tick consumes the message", async () => {
    const { fn, seen } = consumer();
    const api = createApp({ functions: [fn] });
    const { started, ctx } = executionContext();
    const init = { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify({ orderID: "o-1" }) };

    const res = await api.request(`/streams/${enc(fn.stream)}/messages`, init, apiEnv({ WAKE_ON_ENQUEUE: "false" }), ctx as never);

    expect(res.status).toBe(201);
    expect(started).toEqual([]);
    expect(seen).toEqual([]);
  });
});

describe("the wake lease", () => {
  it("never leaves a message written while it held for the tick: the run reads once more after it ends", async () => {
    const { fn, seen } = consumer();
    const t = bridgeTransport();
    // The route's sequence, with a longer lease so a loaded machine keeps the timing: write, then take the lease.
    await enqueue(a.f.tcp, fn.stream, [{ orderID: "took-the-lease" }]);
    const first = wakeConsumers(t, [fn], apiEnv(), fn.stream, { leaseMs: 1_000 });
    await sleep(300); // Its run has read, handled and drained; the lease still holds.

    await enqueue(a.f.tcp, fn.stream, [{ orderID: "under-the-lease" }]);
    expect(await wakeConsumers(t, [fn], apiEnv(), fn.stream, { leaseMs: 1_000 })).toEqual([]); // Held: it starts nothing.
    expect(seen.map((s) => s.orderID)).toEqual(["took-the-lease"]);
    await first;

    expect(seen.map((s) => s.orderID)).toEqual(["took-the-lease", "under-the-lease"]);
    expect(await pending(a.f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});

describe("100 concurrent single-message enqueues", () => {
  it("are all handled without a tick, each enqueue one request that also takes the wake lease, and far fewer runs than enqueues", async () => {
    const { fn, seen } = consumer();
    const { t, names, batches } = tallying(bridgeTransport());
    const api = createApp({ functions: [fn], transport: () => t });
    const contexts = Array.from({ length: 100 }, executionContext);

    const answers = await Promise.all(contexts.map(({ ctx }, i) => post(api, fn.stream, { orderID: `o-${i}` }, ctx)));
    expect(answers.map((r) => r.status)).toEqual(Array(100).fill(201));
    const reports = (await Promise.all(contexts.flatMap((c) => c.started))).flat() as { read: number }[];

    // Every message handled once, by runs the enqueues started: no tick ran.
    expect(new Set(seen.map((s) => s.orderID)).size).toBe(100);
    expect(seen).toHaveLength(100);
    expect(await pending(a.f.tcp, fn.stream, fn.group)).toEqual([]);
    const [group] = (await a.f.tcp.sendCommand(["XINFO", "GROUPS", fn.stream])) as unknown[][];
    expect(group![group!.indexOf("lag") + 1]).toBe(0);
    // The lease rides in each enqueue's own MULTI/EXEC (SET NX PX and INCRBY beside the XADD): one request per enqueue, no script.
    const enqueues = batches.filter((b) => b.includes("XADD"));
    expect(enqueues).toHaveLength(100);
    expect(enqueues.every((b) => b.join() === "XADD,SET wake,INCRBY wake")).toBe(true);
    expect(batches.filter((b) => b.some((c) => c.endsWith(" wake")) && !b.includes("XADD"))).toEqual([]);
    expect(names.get("EVAL")).toBeUndefined();
    // Coalesced: the runs that started are few, and together they read everything.
    expect(reports.length).toBeLessThan(20);
    expect(reports.reduce((n, r) => n + r.read, 0)).toBe(100);
  });
});
