/**
 * The `webhook` function honours `Retry-After` on 429 and 503: the retry
 * waits what the receiver asked, not the backoff. Against the real receiver
 * of the global setup.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { slowKeyOf } from "../../../src/core/features/rate-limit.js";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { runFunction } from "../../../src/core/run/run.js";
import { retryAfterMs, webhook } from "../../../src/functions/webhook.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";
import type { Received } from "../../support/receiver.js";

const f = useFixture();
const receiverUrl = inject("receiverUrl");

describe("webhook Retry-After", () => {
  it.each([
    [429, "0", 0],
    [503, "120", 120_000],
    [429, "Thu, 01 Jan 1970 00:01:40 GMT", 40_000],
    [429, "soon", undefined],
    [500, "5", undefined],
    [429, undefined, undefined],
  ])("%i with Retry-After %s waits %s ms", (status, header, expected) => {
    const response = new Response(null, { status, headers: header === undefined ? {} : { "retry-after": header } });
    expect(retryAfterMs(response, 60_000)).toBe(expected);
  });

  it("retries a 429 after its Retry-After instead of the backoff", async () => {
    const base = f.fn({ handle: webhook.handle });
    const slowBackoff = { visibilityTimeoutMs: 30_000, backoff: { strategy: "fixed" as const, baseDelayMs: 25_000, maxDelayMs: 25_000 } };
    const fn = definePollingFunction({ ...webhook, name: base.name, stream: base.stream, options: { ...webhook.options, ...base.options, ...slowBackoff } });
    const box = randomUUID();
    const vars = { WEBHOOK_URL: `${receiverUrl}/hook/${box}`, WEBHOOK_SECRET: inject("receiverSecret") };
    const [asksNow, plain] = await enqueue(f.tcp, fn.stream, [
      { respond: "429-once", retryAfter: "0" },
      { respond: "500-once" },
    ]);
    const transport = bridgeTransport();
    const first = await runFunction(fn, { transport, vars, trigger: "cron" });
    expect(first.failures.map((x) => x.error)).toContain("RetryError: webhook answered 429; Retry-After asked for 0 ms");
    // Due at once by Retry-After: the next run delivers it; the 500 waits out its 25 s backoff.
    const second = await runFunction(fn, { transport, vars, trigger: "cron" });
    expect(second.acked).toBe(1);
    const got = (await (await fetch(`${receiverUrl}/box/${box}`)).json()) as Received[];
    const seen = got.map((r) => [r.id, r.attempt]);
    // The first run delivers both at once, so they may arrive in either order; the retry comes after both.
    expect(seen.slice(0, 2).sort()).toEqual([[asksNow, "1"], [plain, "1"]].sort());
    expect(seen.slice(2)).toEqual([[asksNow, "2"]]);
    expect((await pending(f.tcp, fn.stream, fn.group)).map((p) => p.id)).toEqual([plain]);
  });

  it("slows the whole function down on a 429 with Retry-After: the run reads no further batch, and the slow-down is kept for other runs", async () => {
    const base = f.fn({ handle: webhook.handle });
    const fn = definePollingFunction({ ...webhook, name: base.name, stream: base.stream, options: { ...webhook.options, ...base.options, batchSize: 1, concurrency: 1 } });
    const vars = { WEBHOOK_URL: `${receiverUrl}/hook/${randomUUID()}`, WEBHOOK_SECRET: inject("receiverSecret") };
    await enqueue(f.tcp, fn.stream, [{ respond: "429-once", retryAfter: "3" }, { n: "2" }, { n: "3" }]);
    const run = await runFunction(fn, { transport: bridgeTransport(), vars, trigger: "cron" });
    expect(run).toMatchObject({ read: 1, retried: 1, stopReason: "rateLimit" });
    const until = Number(await f.tcp.get(slowKeyOf(fn.stream, fn.group)));
    expect(until - Date.now()).toBeGreaterThan(1_000);
    expect(until - Date.now()).toBeLessThanOrEqual(3_000);
    await f.tcp.del(slowKeyOf(fn.stream, fn.group));
  });
});
