/**
 * The Worker's `scheduled()` entry point, inside workerd, against the real
 * Redis behind the bridge: a cron tick runs the functions of that cron.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker.js";
import type { Env } from "../../src/env.js";

const bindings = env as unknown as Env;
// Default client settings: its typed xrange/xpending reshape replies only with automatic deserialization on.
const redis = new Redis({ url: bindings.UPSTASH_REDIS_REST_URL!, token: bindings.UPSTASH_REDIS_REST_TOKEN!, enableTelemetry: false });

async function tick(cron: string, e: Env = bindings): Promise<void> {
  const controller = createScheduledController({ scheduledTime: new Date(), cron });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, e, ctx);
  await waitOnExecutionContext(ctx);
}

describe("scheduled()", () => {
  it("runs payments on its cron: orders reach the ledger and leave nothing pending", async () => {
    const marker = crypto.randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await redis.xadd("orders:payments", "*", { orderID: `${marker}-${i}`, amount: "9.99" }));
    await tick("* * * * *");
    const ledger = (await redis.xrange("payments:ledger", "-", "+")) as Record<string, Record<string, string>>;
    const mine = Object.values(ledger).filter((e) => e.orderID?.startsWith(marker));
    expect(mine.map((e) => e.messageId).sort()).toEqual([...ids].sort());
    const pendingIds = (await redis.xpending("orders:payments", "payment-processors", "-", "+", 100)) as unknown[][];
    expect(pendingIds.map((p) => p[0]).filter((id) => ids.includes(id as string))).toEqual([]);
  });

  it("runs nothing for a cron no function uses", async () => {
    const marker = crypto.randomUUID();
    const id = await redis.xadd("orders:payments", "*", { orderID: marker, amount: "1" });
    await tick("0 0 1 1 *");
    const ledger = (await redis.xrange("payments:ledger", "-", "+")) as Record<string, Record<string, string>>;
    expect(Object.values(ledger).some((e) => e.messageId === id)).toBe(false);
    // Leave nothing behind for other tests: the next real tick charges it.
    await tick("* * * * *");
  });

  it("skips webhook when WEBHOOK_URL is unset, without touching its stream", async () => {
    const marker = crypto.randomUUID();
    const id = await redis.xadd("webhooks:outbox", "*", { marker });
    await tick("* * * * *", { ...bindings, WEBHOOK_URL: undefined });
    const groups = (await redis.xinfo("webhooks:outbox", { type: "GROUPS" })) as unknown[];
    const pendingIds = groups.length === 0 ? [] : ((await redis.xpending("webhooks:outbox", "webhook-deliverers", "-", "+", 1000)) as unknown[][]).map((p) => p[0]);
    expect(pendingIds).not.toContain(id);
  });
});
