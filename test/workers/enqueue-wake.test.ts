/**
 * Enqueue starts consumption inside workerd: the API's enqueue route hands a
 * run to the invocation's `waitUntil`, and that run handles the message and
 * commits its effect, with no cron tick. A message that fails once is retried
 * in the same invocation after its backoff, not at the next tick.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/functions/create-worker.js";
import { bindings, entries, freshFunction, pendingIds, useNativeFetch } from "./support.js";

useNativeFetch();

function enqueue(api: ReturnType<typeof createApi>, stream: string, body: unknown, ctx: ExecutionContext) {
  const init = { method: "POST", headers: { Authorization: `Bearer ${bindings.API_TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(body) };
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
