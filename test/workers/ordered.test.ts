/**
 * Ordered consumption inside workerd, through the Worker's scheduled entry
 * and the Worker's own transport: the fenced commit goes through, and a run
 * whose lease was taken from it mid-batch writes nothing.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { orderedHeldKey, orderedLeaseKey } from "../../src/core/redis/keys.js";
import { createWorker } from "../../src/functions/create-worker.js";
import { bindings, entries, freshFunction, pendingIds, redis } from "./support.js";

function orderedTick(steal: boolean) {
  // A cron of its own, so the tick runs this function alone.
  const cron = `${Math.floor(Math.random() * 60)} 4 * * *`;
  const fn = freshFunction({
    crons: [cron],
    options: { ordered: true, partitionKey: "account" },
    handle: async (m, ctx) => {
      // Another run took the lease while this one handled its batch.
      if (steal) await redis.set(orderedLeaseKey(m.stream, m.group), "another run");
      ctx.effects.xadd(`${m.stream}:effects`, { account: m.fields.account!, seq: m.fields.seq! });
    },
  });
  const worker = createWorker({ functions: [fn] });
  const tick = async () => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron }), bindings, ctx);
    await waitOnExecutionContext(ctx);
  };
  return { fn, tick };
}

describe("ordered in workerd", () => {
  it("a tick commits each key's messages in order, through the fence, and gives the lease back", async () => {
    const { fn, tick } = orderedTick(false);
    for (const [account, seq] of [["a", "1"], ["b", "1"], ["a", "2"]]) await redis.xadd(fn.stream, "*", { account: account!, seq: seq! });
    await tick();
    expect((await entries(`${fn.stream}:effects`)).map((e) => `${e.fields.account}${e.fields.seq}`)).toEqual(["a1", "b1", "a2"]);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
    expect(await redis.exists(orderedLeaseKey(fn.stream, fn.group), orderedHeldKey(fn.stream, fn.group))).toBe(0);
  });

  it("a tick that lost its lease mid-batch commits no effect and acknowledges nothing", async () => {
    const { fn, tick } = orderedTick(true);
    await redis.xadd(fn.stream, "*", { account: "a", seq: "1" });
    await tick();
    expect(await entries(`${fn.stream}:effects`)).toEqual([]);
    expect(await pendingIds(fn.stream, fn.group)).toHaveLength(1);
    expect(await redis.get(orderedLeaseKey(fn.stream, fn.group))).toBe("another run");
    await redis.del(orderedLeaseKey(fn.stream, fn.group));
  });
});
