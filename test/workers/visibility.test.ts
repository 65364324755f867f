/**
 * Visibility extension as a handler meets it, inside workerd: a handler that
 * asks `ctx.extendVisibility` for more than `handlerTimeoutMs` runs on past the
 * visibility timeout while other runs keep trying to recover its message, and
 * is handled once, with no delivery charged; what it is granted is capped by
 * `maxHandlerMs`; and a function without `maxHandlerMs` refuses the call with
 * an error naming the option.
 */
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../src/core/features/report.js";
import { runFunction } from "../../src/core/run/run.js";
import { entries, freshFunction, pendingIds, redis, sleep, transport } from "./support.js";

const VT = 2_000;

/** Redis's delivery count of `id`, read beside the run (not through it). */
async function deliveries(stream: string, group: string, id: string): Promise<number | undefined> {
  const rows = (await redis.xpending(stream, group, "-", "+", 10)) as unknown as [string, string, number, number][];
  return rows.find((r) => r[0] === id)?.[3];
}

describe("ctx.extendVisibility in workerd", () => {
  it("lets a handler run 2.5× visibilityTimeoutMs past its handlerTimeoutMs, once, while other runs try to recover it", async () => {
    const seen: { attempt: number; granted: number[]; counts: (number | undefined)[]; aborted: boolean }[] = [];
    const fn = freshFunction({
      async handle(m, ctx) {
        const me = { attempt: m.attempt, granted: [] as number[], counts: [] as (number | undefined)[], aborted: false };
        seen.push(me);
        me.granted.push(ctx.extendVisibility(5_500));
        for (let t = 0; t < 2.5 * VT; t += 500) {
          await sleep(500);
          me.counts.push(await deliveries(m.stream, m.group, m.id));
        }
        // Past the cap: granted only up to maxHandlerMs after the attempt started.
        me.granted.push(ctx.extendVisibility(60_000));
        me.aborted = ctx.signal.aborted;
        ctx.effects.xadd(`${m.stream}:effects`, { id: m.id });
      },
      options: { visibilityTimeoutMs: VT, handlerTimeoutMs: 1_000, maxHandlerMs: 6_000, maxRunMs: 10_000, batchSize: 1, concurrency: 1 },
    });
    const id = await redis.xadd(fn.stream, "*", { n: "1" });

    const runs: Promise<RunReport>[] = [runFunction(fn, { transport, vars: {}, trigger: "manual", slot: 0 })];
    for (let i = 1; i <= 5; i++) {
      await sleep(1_000);
      runs.push(runFunction(fn, { transport, vars: {}, trigger: "manual", slot: i }));
    }
    const reports = await Promise.all(runs);

    expect(reports[0]!.failures).toEqual([]);
    expect(seen.map((s) => s.attempt)).toEqual([1]);
    expect(seen[0]!.aborted).toBe(false);
    expect(seen[0]!.granted[0]).toBeGreaterThan(5_000);
    expect(seen[0]!.granted[0]).toBeLessThanOrEqual(5_500);
    // Up to 6 000 after the start, of which over 5 000 are gone.
    expect(seen[0]!.granted[1]).toBeGreaterThan(0);
    expect(seen[0]!.granted[1]).toBeLessThan(1_000);
    expect(new Set(seen[0]!.counts)).toEqual(new Set([1]));
    expect(reports.reduce((n, r) => n + r.reclaimed, 0)).toBe(0);
    expect(reports.reduce((n, r) => n + r.acked, 0)).toBe(1);
    expect((await entries(`${fn.stream}:effects`)).map((e) => e.fields)).toEqual([{ id }]);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
  }, 25_000);

  it("refuses ctx.extendVisibility without maxHandlerMs, naming the option, and fails only that attempt", async () => {
    const fn = freshFunction({
      async handle(_m, ctx) {
        ctx.extendVisibility(1_000);
      },
      options: { maxDeliveries: 1 },
    });
    await redis.xadd(fn.stream, "*", { n: "1" });

    const report = await runFunction(fn, { transport, vars: {}, trigger: "manual" });

    expect(report).toMatchObject({ read: 1, acked: 0, deadLettered: 1 });
    expect(report.failures[0]!.error).toMatch(/ConfigError: extendVisibility: this function does not extend visibility; set the option `maxHandlerMs`/);
  });
});
