/**
 * Fan-out inside workerd: a tick whose first read comes back full starts
 * drainers, each a request to the CronsumerDrainer Durable Object (its own
 * invocation), and together they drain the backlog exactly once, on consumer
 * names from the function's pool.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker.js";
import type { Env } from "../../src/env.js";
import type { RunReport } from "../../src/core/features/report.js";

const bindings = env as unknown as Env;
const redis = new Redis({ url: bindings.UPSTASH_REDIS_REST_URL!, token: bindings.UPSTASH_REDIS_REST_TOKEN!, automaticDeserialization: false, enableTelemetry: false });

async function tick(e: Env): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), e, ctx);
  await waitOnExecutionContext(ctx);
}

// Default client settings: its typed xrange reshapes entries into objects only with automatic deserialization on.
const typed = new Redis({ url: bindings.UPSTASH_REDIS_REST_URL!, token: bindings.UPSTASH_REDIS_REST_TOKEN!, enableTelemetry: false });
const ledgerFor = async (marker: string) =>
  Object.values((await typed.xrange("payments:ledger", "-", "+")) as Record<string, Record<string, string>>).filter((e) => String(e.orderID).startsWith(marker));

describe("fan-out", () => {
  it("drains a backlog with drainers beside the tick's own run, each message charged once", async () => {
    const marker = crypto.randomUUID();
    const n = 60;
    for (let i = 0; i < n; i++) await redis.xadd("orders:payments", "*", { orderID: `${marker}-${i}`, amount: "1.00" });
    const before = await redis.llen("cronsumer:runs:payments");
    // The tick's own run takes 10 (one batch); the drainers, with budgets of their own, take the rest.
    await tick({ ...bindings, FN_PAYMENTS_MAX_PARALLEL_RUNS: "4", FN_PAYMENTS_MAX_MESSAGES: "10" });
    const ledger = await ledgerFor(marker);
    expect(ledger).toHaveLength(n);
    expect(new Set(ledger.map((e) => e.orderID)).size).toBe(n);
    const reports = ((await redis.lrange("cronsumer:runs:payments", 0, (await redis.llen("cronsumer:runs:payments")) - before - 1)) as string[]).map((r) => JSON.parse(r) as RunReport);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.every((r) => /^payments-[01]$/.test(r.consumer))).toBe(true);
    expect(reports.reduce((sum, r) => sum + r.acked, 0)).toBeGreaterThanOrEqual(n);
  });

  it("an enqueue's burst beyond its own session starts drainers, so none of it waits for a tick", async () => {
    const marker = crypto.randomUUID();
    const n = 60;
    const e = { ...bindings, FN_PAYMENTS_MAX_PARALLEL_RUNS: "4", FN_PAYMENTS_MAX_MESSAGES: "10" };
    const ctx = createExecutionContext();
    const body = JSON.stringify(Array.from({ length: n }, (_, i) => ({ orderID: `${marker}-${i}`, amount: "1.00" })));
    const init = { method: "POST", headers: { Authorization: `Bearer ${bindings.API_TOKEN}`, "Content-Type": "application/json" }, body };
    const res = await worker.fetch(new Request("https://cronsumer.test/streams/orders%3Apayments/messages", init), e, ctx);
    expect(res.status).toBe(201);
    await waitOnExecutionContext(ctx);
    // The enqueue's session takes 10 (maxMessages); its full first read started drainers for the rest.
    const ledger = await ledgerFor(marker);
    expect(ledger).toHaveLength(n);
    expect(new Set(ledger.map((x) => x.orderID)).size).toBe(n);
  });

  it("an idle tick starts no drainer: one request, two commands", async () => {
    // Drain whatever other tests left, then tick on an empty backlog.
    await tick(bindings);
    const before = await redis.llen("cronsumer:runs:payments");
    await tick({ ...bindings, FN_PAYMENTS_MAX_PARALLEL_RUNS: "8" });
    // An idle run stores no report; a drainer's run would have stored one or left a trace in the ledger.
    expect(await redis.llen("cronsumer:runs:payments")).toBe(before);
  });
});
