/**
 * A partitioned stream inside workerd: the enqueue route routes each message
 * by its key, answers each message's partition stream, and wakes the members
 * of exactly the partitions written, which handle their messages in the
 * request's `waitUntil`, with no tick.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { expandPartitions } from "../../src/core/partitions/partition-members.js";
import { partitionOfKey, partitionStream } from "../../src/core/define/partitions.js";
import { createApi } from "../../src/functions/create-worker.js";
import { bindings, entries, freshFunction, redis, useNativeFetch } from "./support.js";

useNativeFetch();

const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
});

/** A key value routing to partition `index` of `count`. */
function keyFor(index: number, count: number): string {
  for (let n = 0; ; n++) if (partitionOfKey(`c-${n}`, count) === index) return `c-${n}`;
}

describe("enqueue onto a partitioned stream in workerd", () => {
  it("routes by key and wakes only the members of the partitions written", async () => {
    const handled: string[] = [];
    const fn = freshFunction({
      partitions: { count: 3, key: "customer" },
      async handle(m, ctx) {
        handled.push(m.stream);
        ctx.effects.xadd(`${m.stream}:effects`, { n: m.fields.n! });
      },
    });
    prefixes.push(fn.stream);
    // Until createApi expands partitioned functions itself (runtime helper), the test expands them; expanding twice is a no-op.
    const api = createApi({ functions: expandPartitions([fn]) });
    const ctx = createExecutionContext();
    const body = [{ customer: keyFor(2, 3), n: "1" }, { customer: keyFor(0, 3), n: "2" }, { customer: keyFor(2, 3), n: "3" }];
    const init = { method: "POST", headers: { Authorization: `Bearer ${bindings.API_TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const res = await api.fetch(new Request(`https://cronsumer.test/streams/${encodeURIComponent(fn.stream)}/messages`, init), bindings, ctx);
    expect(res.status).toBe(201);
    const answer = (await res.json()) as { ids: string[]; streams: string[] };
    const [p0, p1, p2] = [0, 1, 2].map((i) => partitionStream(fn.stream, i)) as [string, string, string];
    expect(answer.streams).toEqual([p2, p0, p2]);
    await waitOnExecutionContext(ctx);

    expect((await entries(p2)).map((e) => e.id)).toEqual([answer.ids[0], answer.ids[2]]);
    expect((await entries(`${p2}:effects`)).map((e) => e.fields.n)).toEqual(["1", "3"]);
    expect((await entries(`${p0}:effects`)).map((e) => e.fields.n)).toEqual(["2"]);
    expect(handled.sort()).toEqual([p0, p2, p2]);
    // Partition 1 was not written, so its member was not started.
    expect(await redis.exists(p1, `${p1}:effects`)).toBe(0);
  });
});
