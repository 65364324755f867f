/**
 * Pause inside workerd, through the Worker's own entry points: a paused
 * function's cron tick handles nothing and charges nothing; after resume the
 * next tick handles everything that waited.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createWorker } from "../../src/functions/create-worker.js";
import { bindings, freshFunction, pendingIds, redis } from "./support.js";

describe("pause in workerd", () => {
  it("a paused function's scheduled run does nothing; after resume the next one handles what waited", async () => {
    const handled: string[] = [];
    // A cron of its own, so the tick runs this function alone.
    const cron = `${Math.floor(Math.random() * 60)} 3 * * *`;
    const fn = freshFunction({ crons: [cron], handle: async (m) => void handled.push(m.id) });
    const worker = createWorker({ functions: [fn] });
    const post = (path: string) =>
      worker.fetch(new Request(`http://worker${path}`, { method: "POST", headers: { Authorization: `Bearer ${bindings.API_TOKEN}` } }), bindings, createExecutionContext());
    const tick = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron }), bindings, ctx);
      await waitOnExecutionContext(ctx);
    };

    expect(await (await post(`/functions/${fn.name}/pause`)).json()).toEqual({ function: fn.name, paused: true });
    const ids = [await redis.xadd(fn.stream, "*", { n: "1" }), await redis.xadd(fn.stream, "*", { n: "2" })];
    await tick();
    expect(handled).toEqual([]);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
    const [group] = (await redis.xinfo(fn.stream, { type: "GROUPS" })) as unknown[][];
    expect(group![group!.indexOf("lag") + 1]).toBe(2);

    expect(await (await post(`/functions/${fn.name}/resume`)).json()).toEqual({ function: fn.name, paused: false });
    await tick();
    expect(handled.sort()).toEqual([...ids].sort());
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
  });
});
