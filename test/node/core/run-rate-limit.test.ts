/**
 * `rateLimit` across runs at once (core/features/rate-limit.ts): runs racing on one
 * backlog hand at most `limit` messages per window to the handler between
 * them, and read nothing they have no token for, so what waits is neither
 * lost nor charged a delivery. A handler's slow-down holds every run off.
 */
import { describe, expect, it } from "vitest";
import { RetryError } from "../../../src/core/redis/errors.js";
import { runFunction } from "../../../src/core/run/run.js";
import { slowKeyOf } from "../../../src/core/features/rate-limit.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderID: `o${i}` }));

async function lag(stream: string): Promise<number> {
  const [g] = (await f.tcp.sendCommand(["XINFO", "GROUPS", stream])) as unknown[][];
  return Number(g![g!.indexOf("lag") + 1]);
}

describe("rateLimit", () => {
  it("holds four racing runs to the limit per window together, reading nothing beyond their grant", async () => {
    const limit = 15;
    const periodMs = 1_000;
    const at: number[] = [];
    const attempts: number[] = [];
    const fn = f.fn({
      handle: async (m) => {
        at.push(Date.now());
        attempts.push(m.attempt);
      },
      // The Paid CPU budget: at batch 5 the Free one would end a run on `cpu` before the rate limit is what binds.
      options: { rateLimit: { limit, periodMs }, batchSize: 5, handlerTimeoutMs: 500, maxRunMs: 3_200, maxCpuMs: 30_000 },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(300));
    const started = Date.now();
    const reports = await Promise.all([0, 1, 2, 3].map((slot) => runFunction(fn, { transport, vars: {}, trigger: "manual", slot })));
    const ended = Date.now();
    const handled = reports.reduce((s, r) => s + r.handled, 0);
    expect(reports.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(handled).toBe(at.length);
    // Tokens come from fixed windows of the clock: the windows the runs touched bound what they handled.
    const windows = Math.floor(ended / periodMs) - Math.floor(started / periodMs) + 1;
    expect(handled).toBeLessThanOrEqual(limit * windows);
    expect(handled).toBeGreaterThanOrEqual(limit * (windows - 2));
    // Nothing read beyond the grant: no pending entry, no delivery charged to what waits.
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    expect(await lag(fn.stream)).toBe(300 - handled);
    expect(new Set(attempts)).toEqual(new Set([1]));
    // The backlog outlasts the runs: each stopped waiting for tokens, or for time.
    for (const r of reports) expect(["rateLimit", "time"]).toContain(r.stopReason);
  });

  it("a handler's RetryError with slowFunction holds the function's other runs off too", async () => {
    const at: number[] = [];
    let first = true;
    const fn = f.fn({
      handle: async () => {
        at.push(Date.now());
        if (first) {
          first = false;
          throw new RetryError("429 from downstream", { delayMs: 1_500, slowFunction: true });
        }
      },
      options: { rateLimit: { limit: 1_000, periodMs: 1_000 }, batchSize: 1, concurrency: 1, handlerTimeoutMs: 500, maxRunMs: 1_000 },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(5));
    const one = await runFunction(fn, { transport, vars: {}, trigger: "cron", slot: 0 });
    expect(one).toMatchObject({ handled: 1, retried: 1, stopReason: "rateLimit" });
    expect(Number(await f.tcp.get(slowKeyOf(fn.stream, fn.group)))).toBeGreaterThan(Date.now());
    // Another run, right after: it holds tokens but reads nothing while the slow-down lasts.
    const other = await runFunction(fn, { transport, vars: {}, trigger: "cron", slot: 1 });
    expect(other).toMatchObject({ read: 0, reclaimed: 0, stopReason: "rateLimit" });
    expect(await lag(fn.stream)).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const later = await runFunction(fn, { transport, vars: {}, trigger: "cron", slot: 0 });
    expect(later.read + later.reclaimed).toBe(5);
    await f.tcp.del(slowKeyOf(fn.stream, fn.group));
  });
});
