/**
 * The Queues adapter inside workerd: a Queues consumer written as in
 * Cloudflare's docs (queues-consumer.ts) runs unchanged as a polling
 * function, fed by a producer with the Queues binding's shape. Checked
 * against Queues' meaning: per-message ack survives a later throw, retry's
 * `delaySeconds` holds the message that long, `attempts` counts
 * deliveries from 1, `max_retries` then the dead-letter stream, and
 * `ackAll` / `retryAll` settle the whole batch.
 */
import { describe, expect, inject, it } from "vitest";
import type { PollingFunction } from "../../src/core/define/define.js";
import { delayedKey, delayedPayloadsKey } from "../../src/core/redis/keys.js";
import { runFunction } from "../../src/core/run/run.js";
import { createProducer } from "../../src/producer/producer.js";
import { queuesConsumer } from "../../src/queues/consumer.js";
import { queuesProducer } from "../../src/queues/producer.js";
import { bulk, type Job, perMessage } from "./queues-consumer.js";
import { box, entries, newBox, pendingIds, receiverUrl, redis, sleep, transport, useNativeFetch } from "./support.js";

useNativeFetch();

const onEngine = inject("redisKind") === "engine";
const OPTIONS = { visibilityTimeoutMs: 8_000, handlerTimeoutMs: 2_000, deadLetterStream: "" };

function adapted(consumer: typeof perMessage | typeof bulk, maxRetries: number): PollingFunction {
  const id = crypto.randomUUID().slice(0, 8);
  const stream = `test:queues:${id}`;
  return queuesConsumer({ name: `q-${id}`, stream, crons: ["* * * * *"], queue: consumer.queue, maxRetries, options: { ...OPTIONS, deadLetterStream: `${stream}:dlq` } });
}

const run = (fn: PollingFunction, vars: Record<string, string> = {}) => runFunction(fn, { transport, vars, trigger: "manual" });
const order = (id: string) => ({ id, lines: [{ sku: "É-1", qty: 2 }], note: "日本語 🙂 \"1.50\"" });
const seen = async (name: string) => (await box(name)).map((r) => JSON.parse(r.body) as { id: string; attempts: number; body: Job });
const cleanup = (fn: PollingFunction) => redis.del(fn.stream, `${fn.stream}:dlq`, delayedKey(fn.stream), delayedPayloadsKey(fn.stream));

describe.skipIf(onEngine)(`a Cloudflare Queues consumer through queuesConsumer, in workerd${onEngine ? " [skipped: delays need EVAL]" : ""}`, () => {
  it("keeps Queues' meaning: ack survives a later throw, retry waits delaySeconds, attempts count, max_retries ends in the dead-letter stream", async () => {
    const fn = adapted(perMessage, 1);
    const up = newBox();
    const url = (status: number) => `${receiverUrl}/hook/${up}?status=${status}`;
    const queue = queuesProducer<Job>(createProducer({ transport }), fn.stream);
    try {
      await queue.sendBatch([
        { body: { url: url(200), order: order("ok-1") } },
        { body: { url: url(429), order: order("slow") } },
        { body: { url: url(200), order: order("ok-2") } },
        { body: { url: url(500), order: order("broken") } },
      ]);
      // ok-1 and ok-2 acked; slow retried in 2 s (2 ** attempts 1); broken threw: retried at once (retry_delay 0).
      expect(await run(fn)).toMatchObject({ read: 4, acked: 2, retried: 2 });
      expect((await seen(up)).map((s) => [s.body.order.id, s.attempts])).toEqual([["ok-1", 1], ["slow", 1], ["ok-2", 1], ["broken", 1]]);
      expect((await seen(up)).map((s) => s.body)[0]).toEqual({ url: url(200), order: order("ok-1") });
      // broken's second delivery is its last (max_retries 1): it throws again, and goes to the dead-letter stream.
      expect(await run(fn)).toMatchObject({ reclaimed: 1, deadLettered: 1 });
      expect((await seen(up)).slice(4).map((s) => [s.body.order.id, s.attempts])).toEqual([["broken", 2]]);
      // slow waits its delay out: nothing before it is due.
      expect((await run(fn)).reclaimed).toBe(0);
      await sleep(2_300);
      expect(await run(fn)).toMatchObject({ reclaimed: 1, deadLettered: 1 });
      expect((await seen(up)).slice(5).map((s) => [s.body.order.id, s.attempts])).toEqual([["slow", 2]]);
      const dead = (await entries(`${fn.stream}:dlq`)).map((e) => JSON.parse(JSON.parse(e.fields.fields!).body as string) as Job);
      expect(dead.map((j) => j.order.id)).toEqual(["broken", "slow"]);
      expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
      // Each message was fetched upstream once per delivery: nothing acknowledged came back.
      expect((await seen(up)).filter((s) => s.body.order.id.startsWith("ok"))).toHaveLength(2);
    } finally {
      await cleanup(fn);
    }
  });

  it("acknowledges the whole batch with ackAll, and retries it after delaySeconds with retryAll", async () => {
    const fn = adapted(bulk, 3);
    const good = newBox();
    const queue = queuesProducer<Job>(createProducer({ transport }), fn.stream);
    try {
      await queue.send({ url: "unused", order: order("a") });
      await queue.send({ url: "unused", order: order("b") }, { contentType: "json" });
      expect(await run(fn, { BULK_URL: `${receiverUrl}/hook/${good}?status=503` })).toMatchObject({ read: 2, retried: 2 });
      expect((await run(fn, { BULK_URL: `${receiverUrl}/hook/${good}` })).reclaimed).toBe(0);
      await sleep(1_300);
      expect(await run(fn, { BULK_URL: `${receiverUrl}/hook/${good}` })).toMatchObject({ reclaimed: 2, acked: 2 });
      const writes = (await box(good)).map((r) => (JSON.parse(r.body) as Job[]).map((j) => j.order));
      expect(writes).toEqual([[order("a"), order("b")], [order("a"), order("b")]]);
      expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
    } finally {
      await cleanup(fn);
    }
  });

  it("holds a retry longer than the visibility timeout for its whole delaySeconds, parked, and counts attempts on", async () => {
    const attempts: number[] = [];
    const id = crypto.randomUUID().slice(0, 8);
    const fn = queuesConsumer({
      name: `q-${id}`, stream: `test:queues:${id}`, crons: ["* * * * *"], maxBatchSize: 1,
      options: { visibilityTimeoutMs: 6_000, handlerTimeoutMs: 1_000, deadLetterStream: `test:queues:${id}:dlq` },
      async queue(batch) {
        for (const m of batch.messages) {
          attempts.push(m.attempts);
          if (m.attempts === 1) m.retry({ delaySeconds: 7 });
        }
      },
    });
    try {
      await queuesProducer(createProducer({ transport }), fn.stream).send({ n: 1 });
      expect(await run(fn)).toMatchObject({ read: 1, retried: 1 });
      // Parked: out of the PEL, in the delayed set, due in 7 s (past the 6 s visibility timeout).
      expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
      const [, score] = (await redis.zrange(delayedKey(fn.stream), 0, -1, { withScores: true })) as [string, string];
      expect(Number(score) - Date.now()).toBeGreaterThan(6_000);
      await sleep(Number(score) - Date.now() + 200);
      expect(await run(fn)).toMatchObject({ read: 1, acked: 1 });
      expect(attempts).toEqual([1, 2]);
    } finally {
      await cleanup(fn);
    }
  });

  it("delays a send by delaySeconds, takes text bodies, and refuses what a stream entry cannot carry, writing nothing", async () => {
    const bodies: unknown[] = [];
    const id = crypto.randomUUID().slice(0, 8);
    const fn = queuesConsumer({
      name: `q-${id}`, stream: `test:queues:${id}`, crons: ["* * * * *"], options: { ...OPTIONS, deadLetterStream: `test:queues:${id}:dlq` },
      async queue(batch) {
        for (const m of batch.messages) bodies.push(m.body);
      },
    });
    const queue = queuesProducer(createProducer({ transport }), fn.stream);
    try {
      await queue.send("plain text ✓", { contentType: "text" });
      await queue.send({ later: true }, { delaySeconds: 1 });
      await expect(queue.send(new Date(0))).rejects.toThrow(/a Date is not a plain JSON object/);
      await expect(queue.send({ n: 1 }, { contentType: "text" })).rejects.toThrow(/contentType "text" takes a string/);
      await expect(queue.send("x", { contentType: "v8" })).rejects.toThrow(/contentType "v8" is not supported/);
      await expect(queue.sendBatch([{ body: 1 }, { body: 2n as never }])).rejects.toThrow(/a bigint is not a JSON value/);
      expect(await run(fn)).toMatchObject({ read: 1, acked: 1 });
      expect(bodies).toEqual(["plain text ✓"]);
      await sleep(1_300);
      expect(await run(fn)).toMatchObject({ read: 1, acked: 1 });
      expect(bodies).toEqual(["plain text ✓", { later: true }]);
    } finally {
      await cleanup(fn);
    }
  });
});
