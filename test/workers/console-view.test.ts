/**
 * The console's reads inside workerd, through the Worker's own fetch: a
 * cron tick that did work takes a backlog sample in its report's request;
 * the view answers sidebar and Overview in one Redis request; and under
 * READ_TOKEN neither the view nor the series writes anything.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { samplesKey } from "../../src/core/redis/keys.js";
import { createWorker } from "../../src/functions/create-worker.js";
import { bindings, freshFunction, redis } from "./support.js";

const READ = "console-read-token";

describe("the console's view in workerd", () => {
  it("a tick samples the backlog with its report; the view is one Redis request and GETs write nothing under READ_TOKEN", async () => {
    const cron = `${Math.floor(Math.random() * 60)} 4 * * *`;
    const fn = freshFunction({ crons: [cron], handle: async () => {} });
    const worker = createWorker({ functions: [fn] });
    const env = { ...bindings, READ_TOKEN: READ };
    const get = (path: string, token: string) => worker.fetch(new Request(`http://worker${path}`, { headers: { Authorization: `Bearer ${token}` } }), env, createExecutionContext());

    await redis.xadd(fn.stream, "*", { n: "1" });
    await redis.xadd(fn.stream, "*", { n: "2" });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron }), env, ctx);
    await waitOnExecutionContext(ctx);
    const samples = await redis.lrange(samplesKey(fn.name), 0, -1);
    expect(samples).toHaveLength(1);
    expect(JSON.parse(String(samples[0]))).toMatchObject({ pending: 0, lag: 0, length: 2 });

    const view = await get(`/functions/${fn.name}/view`, READ);
    expect(view.status).toBe(200);
    expect(view.headers.get("x-redis-requests")).toBe("1");
    const body = (await view.json()) as { sidebar: { name: string; backlog: number }[]; overview: { length: number; series: { samples: unknown[] } } };
    expect(body.sidebar).toEqual([expect.objectContaining({ name: fn.name, backlog: 0 })]);
    expect(body.overview.length).toBe(2);
    expect(body.overview.series.samples).toHaveLength(1);

    // An hour-old newest sample: a sample is due, and a reader that sampled would write now.
    await redis.del(samplesKey(fn.name));
    await redis.lpush(samplesKey(fn.name), JSON.stringify({ t: Date.now() - 3_600_000, pending: 0, lag: 0, length: 0 }));
    for (const path of [`/functions/${fn.name}/series`, `/functions/${fn.name}/view`, "/functions"]) expect((await get(path, READ)).status, path).toBe(200);
    expect(await redis.llen(samplesKey(fn.name))).toBe(1);
  });
});
