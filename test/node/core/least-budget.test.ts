/**
 * The least a run needs for one batch (options.ts `leastRequests`,
 * `leastCpuUs`) is what an invocation sharing its budgets reserves for each
 * run (run/share.ts), and with a recovery claim (`leastToRetry`) what
 * validation asks of `maxSubrequests` and `maxCpuMs`: a run given exactly
 * that must read and settle a new message, and one given `leastToRetry`
 * must also reclaim and settle a failed one. A feature's request left out
 * is a function that validation accepts and that never reads, every tick
 * (found by the merged property tests: a keyConcurrency + rateLimit function
 * starved beside three others), or that never retries (found in review: a
 * `maxSubrequests` of 2 passed validation and no recovery ever fitted).
 */
import { describe, expect, it } from "vitest";
import { resolveOptions } from "../../../src/core/define/define.js";
import { estimateCpuUs } from "../../../src/core/define/cpu-estimate.js";
import type { FunctionOptions } from "../../../src/core/define/options.js";
import { leastCpuUs, leastRequests, leastToRetry } from "../../../src/core/define/options.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();

const CASES: [string, Record<string, unknown>][] = [
  ["defaults", {}],
  ["keyConcurrency", { keyConcurrency: { field: "k", max: 1 } }],
  ["rateLimit", { rateLimit: { limit: 10, periodMs: 60_000 } }],
  ["keyConcurrency and rateLimit", { keyConcurrency: { field: "k", max: 1 }, rateLimit: { limit: 10, periodMs: 60_000 } }],
  ["retention", { retention: {} }],
  ["ordered", { ordered: true }],
  ["ordered and rateLimit", { ordered: true, rateLimit: { limit: 10, periodMs: 60_000 } }],
  ["delays and keyConcurrency", { delays: true, keyConcurrency: { field: "k", max: 1 } }],
  ["a fetch per message", { fetchesPerMessage: 1 }],
  ["visibility extension", { maxHandlerMs: 30_000, handlerTimeoutMs: 15_000, visibilityTimeoutMs: 20_000, maxRunMs: 60_000 }],
];

/** The function's options as resolved, with a Paid CPU budget so that validation does not refuse the probe. */
function resolvedOf(options: Record<string, unknown>): FunctionOptions {
  return resolveOptions(f.fn({ handle: async () => {}, options: { ...options, maxCpuMs: 30_000 } }), {}, 1);
}

describe("a run given exactly the least its options need for one batch", () => {
  it.each(CASES)("reads and acknowledges a new message: %s", async (_label, options) => {
    const handled: string[] = [];
    const o = resolvedOf(options);
    // Validation wants room for a recovery too: the reserve's least is what a run of new messages needs, given through a limit.
    const least = { maxSubrequests: leastRequests(o), maxCpuMs: leastCpuUs(o) / 1_000 };
    const fn = f.fn({ handle: async (m) => void handled.push(m.id), options: { ...options, maxSubrequests: leastToRetry(o), maxCpuMs: 30_000 } });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ k: "a" }]);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron", limits: least });
    expect(report.error).toBeUndefined();
    expect(handled).toEqual([id]);
    expect(report.acked).toBe(1);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it.each(CASES.filter(([, o]) => !o.noAck))("reclaims and acknowledges a failed message with a recovery claim's room more: %s", async (_label, options) => {
    const calls: number[] = [];
    const o = resolvedOf(options);
    const least = { maxSubrequests: leastToRetry(o), maxCpuMs: estimateCpuUs(leastToRetry(o), 1) / 1_000 };
    const fn = f.fn({
      handle: async (m) => {
        calls.push(m.attempt);
        if (m.attempt === 1) throw new Error("first attempt fails");
      },
      options: { ...options, ...least },
    });
    expect(resolveOptions(fn, {}, 1)).toMatchObject(least);
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ k: "a" }]);
    expect((await runFunction(fn, { transport, vars: {}, trigger: "cron" })).retried).toBe(1);
    // Due again: idle past its retry delay and the visibility timeout.
    await age(f.tcp, fn.stream, fn.group, 10 * 60_000);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report.error).toBeUndefined();
    expect(report.reclaimed).toBe(1);
    expect(calls).toEqual([1, 2]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
