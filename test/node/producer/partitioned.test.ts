/**
 * The producer on a partitioned stream (`partitions` option): the API's
 * routing, errors and per-partition Idempotency-Key, against real Redis.
 */
import { describe, expect, it } from "vitest";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { ConfigError } from "../../../src/core/redis/errors.js";
import { routedTransport } from "../../../src/core/partitions/routed-transport.js";
import { delayedKey, idempotencyKey } from "../../../src/core/redis/keys.js";
import { partitionOfKey } from "../../../src/core/define/partitions.js";
import { createProducer, EnqueueError } from "../../../src/index.js";
import { bridgeTransport, entries, faultyBridge, useFixture } from "../../support/engine.js";
import { failOnce, keysFor, partitioned } from "../api/partition-support.js";
import { cleanupIds, idOf } from "../api/support.js";

const f = useFixture();
const ids: string[] = [];
cleanupIds(() => ids);
const [k0, k1, k2, k3] = keysFor(4, 2);

function setup() {
  const p = partitioned(f, 4);
  ids.push(idOf(p.fn));
  return { ...p, partitions: { [p.fn.stream]: { count: 4, key: "customer" } } };
}

const numbers = async (part: (i: number) => string) => Promise.all([0, 1, 2, 3].map(async (i) => (await entries(f.tcp, part(i))).map((e) => e.message.n)));

describe("createProducer with partitions", () => {
  it("routes each message to its key's partition in one request per database, and answers each message's stream", async () => {
    const bridge = await faultyBridge({});
    try {
      const { fn, part, partitions } = setup();
      const producer = createProducer({ transport: bridge.transport, partitions });
      const batch = [{ customer: k3![0]!, n: "1" }, { customer: k1![0]!, n: "2" }, { customer: k3![1]!, n: "3" }];
      const before = bridge.stats.requests;
      const sent = await producer.send(fn.stream, batch);
      // Partitions 1 and 3 live on the one database: one MULTI/EXEC.
      expect(bridge.stats.requests - before).toBe(1);
      expect(sent).toMatchObject({ created: true, streams: [part(3), part(1), part(3)] });
      expect(batch.map((m) => partitionOfKey(m.customer, 4))).toEqual([3, 1, 3]);
      expect(await numbers(part)).toEqual([[], ["2"], [], ["1", "3"]]);
      expect((await entries(f.tcp, part(3))).map((e) => e.id)).toEqual([sent.ids[0], sent.ids[2]]);
      expect(await f.tcp.exists(fn.stream)).toBe(0);
    } finally {
      await bridge.close();
    }
  });

  it("refuses a message without the key, and a write straight to a partition, with the API's errors, writing nothing", async () => {
    const { fn, part, partitions } = setup();
    const producer = createProducer({ transport: failOnce("never", "before"), partitions });
    const missing = producer.send(fn.stream, [{ customer: k0![0]!, n: "1" }, { n: "2" }], { idempotencyKey: "k" });
    await expect(missing).rejects.toBeInstanceOf(EnqueueError);
    await expect(missing).rejects.toMatchObject({ code: "missing_partition_key", status: 400, message: expect.stringContaining('message 1: field "customer" is missing') });
    await expect(producer.send(part(2), { customer: k2![0]!, n: "1" })).rejects.toMatchObject({ code: "partition_stream", status: 400, message: expect.stringContaining(`enqueue onto ${JSON.stringify(fn.stream)}`) });
    expect(await f.tcp.exists([0, 1, 2, 3].flatMap((i) => [part(i), idempotencyKey(part(i), "k")]))).toBe(0);
  });

  it("holds a delayed send in each partition's delayed set", async () => {
    const { fn, part, partitions } = setup();
    const producer = createProducer({ transport: failOnce("never", "before"), partitions });
    const sent = await producer.send(fn.stream, [{ customer: k0![0]!, n: "1" }, { customer: k2![0]!, n: "2" }], { delayMs: 60_000 });
    expect(sent.streams).toEqual([part(0), part(2)]);
    expect(sent.dueAt).toBeGreaterThan(Date.now());
    expect(await f.tcp.zRange(delayedKey(part(0)), 0, -1)).toEqual([sent.ids[0]]);
    expect(await f.tcp.zRange(delayedKey(part(2)), 0, -1)).toEqual([sent.ids[1]]);
  });

  it("keeps idempotencyKey per partition: a retry after one partition failed writes only what is missing", async () => {
    const { fn, part, partitions } = setup();
    const producer = createProducer({ transport: failOnce("never", "before"), partitions });
    const batch = [{ customer: k0![0]!, n: "1" }, { customer: k1![0]!, n: "2" }, { customer: k0![1]!, n: "3" }];
    // Partition 1's script fails at run time (its stream key holds a string); partition 0's, in the same request, writes.
    await f.tcp.set(part(1), "not a stream");
    const failed = producer.send(fn.stream, batch, { idempotencyKey: "order-9" });
    await expect(failed).rejects.toMatchObject({ name: "EnqueueError", code: "redis_error", status: 502, message: expect.stringContaining(`failed: ${part(1)} (1)`) });
    await f.tcp.del(part(1));
    expect(await numbers(part)).toEqual([["1", "3"], [], [], []]);
    const retry = await producer.send(fn.stream, batch, { idempotencyKey: "order-9" });
    expect(retry.created).toBe(true);
    expect(await numbers(part)).toEqual([["1", "3"], ["2"], [], []]);
    const again = await producer.send(fn.stream, batch, { idempotencyKey: "order-9" });
    expect(again).toEqual({ ids: retry.ids, streams: retry.streams, created: false });
    await expect(producer.send(fn.stream, [{ customer: k3![0]!, n: "x" }, ...batch], { idempotencyKey: "order-9" })).rejects.toMatchObject({ code: "idempotency_key_reused", status: 422 });
    expect(await numbers(part)).toEqual([["1", "3"], ["2"], [], []]);
  });

  it("refuses a bad `partitions` option when created", () => {
    expect(() => createProducer({ transport: failOnce("never", "before"), partitions: { orders: { count: 0, key: "customer" } } })).toThrow(ConfigError);
    expect(() => createProducer({ transport: failOnce("never", "before"), partitions: { orders: { count: 2, key: "" } } })).toThrow(/partitions\["orders"\].*partitions.key/);
    // One url is one database: partitions of the others would be written where their members never read.
    expect(() => createProducer({ url: "http://x", token: "t", partitions: { orders: { count: 4, key: "customer", databases: 2 } } })).toThrow(/spans 2 databases.*routedTransport/);
  });

  it("refuses partitions over several databases unless the transport is a routedTransport that locates them, with the same spec", () => {
    const fn = definePollingFunction({ name: "ledger", stream: "orders", group: "g", crons: ["* * * * *"], partitions: { count: 4, key: "customer", databases: 2 }, handle: async () => {} });
    const dbs = [bridgeTransport(), bridgeTransport()];
    const spec = { count: 4, key: "customer", databases: 2 };
    // Without the function every partition would go to database 0.
    expect(() => createProducer({ transport: routedTransport(dbs, []), partitions: { orders: spec } })).toThrow(/partitions\["orders"\] spans 2 databases, but `transport` cannot locate its partitions/);
    expect(() => createProducer({ transport: dbs[0]!, partitions: { orders: spec } })).toThrow(ConfigError);
    expect(() => createProducer({ transport: routedTransport(dbs, [fn]), partitions: { orders: { ...spec, count: 8 } } })).toThrow(/partitions it as \{"count":4/);
    expect(() => createProducer({ transport: routedTransport(dbs, [fn]), partitions: { orders: spec } })).not.toThrow();
  });
});
