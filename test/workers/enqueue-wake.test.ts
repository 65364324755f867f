/**
 * Enqueue starts consumption inside workerd: the API's enqueue route hands a
 * run to the invocation's `waitUntil`, and that run handles the message and
 * commits its effect, with no cron tick. A message that fails once is retried
 * in the same invocation after its backoff, not at the next tick.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/functions/create-worker.js";
import { wakeLeaseKey } from "../../src/core/redis/keys.js";
import { bindings, entries, freshFunction, pendingIds, redis, useNativeFetch } from "./support.js";

useNativeFetch();

function enqueue(api: ReturnType<typeof createApi>, stream: string, body: unknown, ctx: ExecutionContext, headers: Record<string, string> = {}) {
  const init = { method: "POST", headers: { Authorization: `Bearer ${bindings.API_TOKEN}`, "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
  return api.fetch(new Request(`https://cronsumer.test/streams/${encodeURIComponent(stream)}/messages`, init), bindings, ctx);
}

describe("the enqueue route in workerd", () => {
  it("runs the stream's function in waitUntil: the effect is committed with no tick", async () => {
    const fn = freshFunction({
      async handle(m, ctx) {
        ctx.effects.xadd(`${m.stream}:effects`, { orderID: m.fields.orderID! });
      },
    });
    const api = createApi({ functions: [fn] });
    const ctx = createExecutionContext();

    const res = await enqueue(api, fn.stream, { orderID: "o-1" }, ctx);
    expect(res.status).toBe(201);
    await waitOnExecutionContext(ctx);

    expect((await entries(`${fn.stream}:effects`)).map((e) => e.fields)).toEqual([{ orderID: "o-1" }]);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
  });

  it("with an Idempotency-Key, takes the wake lease inside its script and runs the function; a repeat starts nothing", async () => {
    const handled: string[] = [];
    const fn = freshFunction({
      async handle(m, ctx) {
        handled.push(m.fields.orderID!);
        ctx.effects.xadd(`${m.stream}:effects`, { orderID: m.fields.orderID! });
      },
    });
    const api = createApi({ functions: [fn] });
    const first = createExecutionContext();
    expect((await enqueue(api, fn.stream, { orderID: "o-1" }, first, { "Idempotency-Key": "k-1" })).status).toBe(201);
    // The script counted its message in the window (it lasts 250 ms; the session outlives it).
    expect(await redis.get(wakeLeaseKey(fn.stream))).toBe("1");
    await waitOnExecutionContext(first);
    expect((await entries(`${fn.stream}:effects`)).map((e) => e.fields)).toEqual([{ orderID: "o-1" }]);

    const repeat = createExecutionContext();
    expect((await enqueue(api, fn.stream, { orderID: "o-1" }, repeat, { "Idempotency-Key": "k-1" })).status).toBe(200);
    expect(await redis.get(wakeLeaseKey(fn.stream))).toBeNull();
    await waitOnExecutionContext(repeat);
    expect(handled).toEqual(["o-1"]);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
  });

  it("retries a failure after its backoff within the same invocation", async () => {
    const attempts: number[] = [];
    const fn = freshFunction({
      async handle(m, ctx) {
        attempts.push(m.attempt);
        if (m.attempt === 1) throw new Error("transient");
        ctx.effects.xadd(`${m.stream}:effects`, { attempt: String(m.attempt) });
      },
      options: { visibilityTimeoutMs: 6_000, handlerTimeoutMs: 500, backoff: { strategy: "fixed", baseDelayMs: 1_000, maxDelayMs: 1_000 } },
    });
    const api = createApi({ functions: [fn] });
    const ctx = createExecutionContext();

    const began = Date.now();
    expect((await enqueue(api, fn.stream, { orderID: "o-1" }, ctx)).status).toBe(201);
    await waitOnExecutionContext(ctx);

    expect(attempts).toEqual([1, 2]);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
    expect((await entries(`${fn.stream}:effects`)).map((e) => e.fields)).toEqual([{ attempt: "2" }]);
  });
});
