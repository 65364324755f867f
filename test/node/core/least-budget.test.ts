/**
 * The least a run needs for one batch (options.ts `leastRequests`,
 * `leastCpuUs`) is what validation asks of `maxSubrequests` and `maxCpuMs`,
 * and what an invocation sharing its budgets reserves for each run
 * (run/share.ts): a run given exactly that must read and settle a message.
 * A feature's request left out of it is a function that validation accepts
 * and that never reads, every tick (found by the merged property tests: a
 * keyConcurrency + rateLimit function starved beside three others).
 */
import { describe, expect, it } from "vitest";
import { resolveOptions } from "../../../src/core/define/define.js";
import { leastCpuUs, leastRequests } from "../../../src/core/define/options.js";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

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

describe("a run given exactly the least its options need for one batch", () => {
  it.each(CASES)("reads and acknowledges a message: %s", async (_label, options) => {
    const handled: string[] = [];
    const probe = f.fn({ handle: async () => {}, options: { ...options, maxCpuMs: 30_000 } });
    const o = resolveOptions(probe, {}, 1);
    const least = { maxSubrequests: leastRequests(o), maxCpuMs: leastCpuUs(o) / 1_000 };
    const fn = f.fn({ handle: async (m) => void handled.push(m.id), options: { ...options, ...least } });
    expect(resolveOptions(fn, {}, 1)).toMatchObject(least);
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ k: "a" }]);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report.error).toBeUndefined();
    expect(handled).toEqual([id]);
    expect(report.acked).toBe(1);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
