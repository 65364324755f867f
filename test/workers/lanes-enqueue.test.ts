/**
 * `?priority=` on the enqueue route inside workerd: the messages land in the
 * lane's stream, the wake lease taken is the function's (its own stream's,
 * not the lane's), and a bad priority is a 400 with nothing written.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { wakeLeaseKey } from "../../src/core/redis/keys.js";
import { createApi } from "../../src/functions/create-worker.js";
import { bindings, entries, freshFunction, redis, useNativeFetch } from "./support.js";

useNativeFetch();

const streams: string[] = [];
afterAll(async () => {
  for (const stream of streams) {
    const keys = await redis.keys(`*${stream}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
});

function enqueue(api: ReturnType<typeof createApi>, path: string, body: unknown, ctx: ExecutionContext) {
  const init = { method: "POST", headers: { Authorization: `Bearer ${bindings.API_TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(body) };
  return api.fetch(new Request(`https://cronsumer.test${path}`, init), bindings, ctx);
}

describe("?priority= in workerd", () => {
  const setup = () => {
    const fn = freshFunction({ async handle() {}, options: { lanes: { names: ["high", "low"] } } });
    streams.push(fn.stream);
    return { fn, api: createApi({ functions: [fn] }), s: `/streams/${encodeURIComponent(fn.stream)}/messages` };
  };

  it("writes to the lane's stream and takes the function's wake lease", async () => {
    const { fn, api, s } = setup();
    const ctx = createExecutionContext();
    const res = await enqueue(api, `${s}?priority=high`, [{ n: "1" }, { n: "2" }], ctx);
    expect(res.status).toBe(201);
    const { ids } = (await res.json()) as { ids: string[] };
    // The lease lives WAKE_LEASE_MS: read it before the session's wait is over.
    expect(await redis.exists(wakeLeaseKey(fn.stream))).toBe(1);
    expect(await redis.exists(wakeLeaseKey(`${fn.stream}:lane:high`))).toBe(0);
    await waitOnExecutionContext(ctx);
    expect((await entries(`${fn.stream}:lane:high`)).map((e) => e.id)).toEqual(ids);
    expect(await entries(fn.stream)).toEqual([]);
  });

  it("answers 400 listing the lanes for an unknown one, and writes nothing", async () => {
    const { fn, api, s } = setup();
    const ctx = createExecutionContext();
    const res = await enqueue(api, `${s}?priority=urgent`, { n: "1" }, ctx);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("unknown_priority");
    expect(error.message).toContain('its lanes, highest first: "high", "low"');
    await waitOnExecutionContext(ctx);
    expect(await redis.keys(`*${fn.stream}*`)).toEqual([]);
  });
});
