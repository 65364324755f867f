/**
 * The producer's `priority` (with its `lanes` option): the API's lane rule
 * against real Redis through the bridge, one request per send, every refusal
 * an EnqueueError with nothing written.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/redis/errors.js";
import { delayedKey, idempotencyKey } from "../../../src/core/redis/keys.js";
import { createProducer } from "../../../src/index.js";
import { bridgeTransport, entries, faultyBridge, useFixture } from "../../support/engine.js";
import { cleanupIds, idOf, snapshot } from "../api/support.js";
import { queuesProducer } from "../../../src/queues/producer.js";

const f = useFixture();
const ids: string[] = [];
cleanupIds(() => ids);
const LANES = { names: ["high", "low"] };
const lane = (stream: string, name: string) => `${stream}:lane:${name}`;
const fresh = () => {
  const fn = f.fn({ handle: async () => {}, options: { lanes: LANES, delays: true } });
  ids.push(idOf(fn));
  return fn;
};

describe("createProducer with lanes", () => {
  it("writes `priority` to the lane's stream in one request, and no priority to the stream itself", async () => {
    const bridge = await faultyBridge({});
    try {
      const fn = fresh();
      const producer = createProducer({ transport: bridge.transport, lanes: { [fn.stream]: LANES } });
      const before = bridge.stats.requests;
      const high = await producer.send(fn.stream, [{ n: "1" }, { n: "2" }], { priority: "high" });
      expect(bridge.stats.requests - before).toBe(1);
      const low = await producer.send(fn.stream, { n: "3" });
      const body = await producer.sendBody(fn.stream, { deep: { ü: [1, 2.5] } }, { priority: "high" });
      expect((await entries(f.tcp, lane(fn.stream, "high"))).map((e) => e.id)).toEqual([...high.ids, ...body.ids]);
      expect((await entries(f.tcp, fn.stream)).map((e) => e.id)).toEqual(low.ids);
    } finally {
      await bridge.close();
    }
  });

  it("carries the lane through a delay and an idempotency key; another lane under the key is refused", async () => {
    const fn = fresh();
    const producer = createProducer({ transport: bridgeTransport(), lanes: { [fn.stream]: LANES } });
    const delayed = await producer.send(fn.stream, { n: "later" }, { priority: "high", delayMs: 60_000 });
    expect(await f.tcp.zRange(delayedKey(lane(fn.stream, "high")), 0, -1)).toEqual(delayed.ids);
    const key = `k-${crypto.randomUUID()}`;
    const first = await producer.send(fn.stream, { n: "1" }, { priority: "high", idempotencyKey: key });
    expect(await producer.send(fn.stream, { n: "1" }, { priority: "high", idempotencyKey: key })).toEqual({ ids: first.ids, created: false });
    await expect(producer.send(fn.stream, { n: "1" }, { priority: "low", idempotencyKey: key })).rejects.toMatchObject({ code: "idempotency_key_reused", status: 422 });
    expect(await f.tcp.exists(idempotencyKey(fn.stream, key))).toBe(1);
    expect(await f.tcp.exists(fn.stream)).toBe(0);
  });

  it("refuses an unknown lane, or a priority on a stream it has no lanes for, writing nothing", async () => {
    const fn = fresh();
    const producer = createProducer({ transport: bridgeTransport(), lanes: { [fn.stream]: LANES } });
    const before = await snapshot(f.tcp, [idOf(fn)]);
    await expect(producer.send(fn.stream, { n: "1" }, { priority: "urgent" })).rejects.toMatchObject({ name: "EnqueueError", code: "unknown_priority", status: 400, message: expect.stringContaining('"high", "low"') });
    const other = `${fn.stream}-other`;
    await expect(producer.send(other, { n: "1" }, { priority: "high" })).rejects.toMatchObject({ code: "no_lanes", message: expect.stringContaining(`lanes: { ${JSON.stringify(other)}:`) });
    expect(await snapshot(f.tcp, [idOf(fn)])).toEqual(before);
  });

  it("routes a partitioned stream's messages into their partitions' lanes", async () => {
    const fn = f.fn({ handle: async () => {}, partitions: { count: 2, key: "c" }, options: { lanes: LANES } });
    ids.push(idOf(fn));
    const producer = createProducer({ transport: bridgeTransport(), partitions: { [fn.stream]: { count: 2, key: "c" } }, lanes: { [fn.stream]: LANES } });
    const sent = await producer.send(fn.stream, [{ c: "a" }, { c: "b" }, { c: "c" }], { priority: "high" });
    expect(sent.streams!.map((s) => s.replace(/^\{.*:p\d\}/, "{p}"))).toEqual(["{p}:lane:high", "{p}:lane:high", "{p}:lane:high"]);
    for (const [i, stream] of sent.streams!.entries()) expect((await entries(f.tcp, stream)).map((e) => e.id)).toContain(sent.ids[i]);
    // Nothing in the partitions' default lanes, the bare partition streams.
    expect(await f.tcp.keys(`{${fn.stream}:p*}`)).toEqual([]);
  });

  it("validates the `lanes` option at creation, naming the stream", () => {
    expect(() => createProducer({ url: "http://x", token: "t", lanes: { s: { names: ["only"] } } })).toThrow(ConfigError);
    expect(() => createProducer({ url: "http://x", token: "t", lanes: { s: { names: ["a", "b"], default: "c" } } })).toThrow(/lanes\["s"\]: `lanes.default` "c"/);
  });

  it("the Queues-shaped producer passes `priority` through send and sendBatch", async () => {
    const fn = f.fn({ handle: async () => {}, payload: "json", options: { lanes: LANES } });
    ids.push(idOf(fn));
    const queue = queuesProducer(createProducer({ transport: bridgeTransport(), lanes: { [fn.stream]: LANES } }), fn.stream);
    await queue.send({ a: 1 }, { priority: "high" });
    await queue.sendBatch([{ body: { b: 1 } }, { body: { c: 1 }, priority: "high" }]);
    expect(await entries(f.tcp, lane(fn.stream, "high"))).toHaveLength(2);
    expect(await entries(f.tcp, fn.stream)).toHaveLength(1);
  });
});
