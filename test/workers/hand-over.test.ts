/**
 * Hand-over inside workerd: one API enqueue of 500 messages, on Free defaults
 * (`maxParallelRuns: 1`, no overrides) and with no `scheduled` call, is
 * handled in full. The enqueue's own session takes what one invocation's
 * budgets allow and hands the rest to the CronsumerDrainer Durable Object,
 * whose alarms (fresh invocations) drain it; every message is charged exactly
 * once and nothing stays pending.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker.js";
import type { Env } from "../../src/env.js";
import type { RunReport } from "../../src/core/features/report.js";
import { DRAINER_BINDING } from "../../src/functions/fan-out.js";
import { createApi } from "../../src/functions/create-worker.js";
import { freshFunction, pendingIds } from "./support.js";

const bindings = env as unknown as Env;
const redis = new Redis({ url: bindings.UPSTASH_REDIS_REST_URL!, token: bindings.UPSTASH_REDIS_REST_TOKEN!, automaticDeserialization: false, enableTelemetry: false });
const typed = new Redis({ url: bindings.UPSTASH_REDIS_REST_URL!, token: bindings.UPSTASH_REDIS_REST_TOKEN!, enableTelemetry: false });
const ledgerFor = async (marker: string) =>
  Object.values((await typed.xrange("payments:ledger", "-", "+")) as Record<string, Record<string, string>>).filter((e) => String(e.orderID).startsWith(marker));

async function enqueue(e: Env, body: unknown): Promise<{ ids: string[] }> {
  const ctx = createExecutionContext();
  const init = { method: "POST", headers: { Authorization: `Bearer ${bindings.API_TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await worker.fetch(new Request("https://cronsumer.test/streams/orders%3Apayments/messages", init), e, ctx);
  expect(res.status).toBe(201);
  await waitOnExecutionContext(ctx);
  return (await res.json()) as { ids: string[] };
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("hand-over after an enqueue", () => {
  it("a 500-message enqueue on Free defaults is handled in full with no tick, each message charged once", async () => {
    const marker = crypto.randomUUID();
    const n = 500;
    const before = await redis.llen("cronsumer:runs:payments");
    const { ids } = await enqueue(bindings, Array.from({ length: n }, (_, i) => ({ orderID: `${marker}-${i}`, amount: "1.00" })));
    expect(ids).toHaveLength(n);

    const ledger = await until(() => ledgerFor(marker), (l) => l.length >= n, 25_000);
    expect(ledger).toHaveLength(n);
    expect(new Set(ledger.map((e) => e.orderID)).size).toBe(n);
    const pending = (await redis.xpending("orders:payments", "payment-processors", "-", "+", 10_000)) as unknown as [string, ...unknown[]][];
    const ours = new Set(ids);
    expect(pending.filter(([id]) => ours.has(id))).toEqual([]);

    // The enqueue's session alone could not: it stopped on a budget, and drainer runs took the rest.
    const reports = ((await redis.lrange("cronsumer:runs:payments", 0, (await redis.llen("cronsumer:runs:payments")) - before - 1)) as string[]).map((r) => JSON.parse(r) as RunReport);
    const woken = reports.filter((r) => r.trigger === "enqueue");
    expect(woken.length).toBeGreaterThanOrEqual(1);
    expect(woken.reduce((sum, r) => sum + r.acked, 0)).toBeLessThan(n);
    expect(reports.every((r) => /^payments-[01]$/.test(r.consumer))).toBe(true);
  });

  it("without the Durable Object binding the rest waits for the tick, as before", async () => {
    // A function of its own: the 400 or so it leaves wait on a stream no other test reads.
    let handled = 0;
    const fn = freshFunction({ handle: async () => void (handled += 1) });
    const api = createApi({ functions: [fn] });
    const e: Env = { ...bindings, [DRAINER_BINDING]: undefined };
    const ctx = createExecutionContext();
    const init = { method: "POST", headers: { Authorization: `Bearer ${bindings.API_TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ i: String(i) }))) };
    expect((await api.fetch(new Request(`https://cronsumer.test/streams/${encodeURIComponent(fn.stream)}/messages`, init), e, ctx)).status).toBe(201);
    await waitOnExecutionContext(ctx);
    expect(handled).toBeGreaterThan(0);
    expect(handled).toBeLessThan(500);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
  });
});
