/**
 * The CPU budget (`maxCpuMs`): Workers cannot read their CPU time, so a run
 * plans against an estimate (cpu-estimate.ts) and stops before the estimate
 * would pass the budget. These tests check the planning, never timings.
 */
import { describe, expect, it } from "vitest";
import { estimateCpuUs, MESSAGE_CPU_US, REQUEST_CPU_US } from "../../../src/core/define/cpu-estimate.js";
import { definePollingFunction, resolveOptions } from "../../../src/core/define/define.js";
import { defaultOptions } from "../../../src/core/define/options.js";
import { planBatchSize } from "../../../src/core/run/plan.js";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderID: `o${i}` }));

describe("planBatchSize with a CPU budget", () => {
  // Every other budget roomy: only the CPU estimate binds.
  const o = { ...defaultOptions("s"), batchSize: 500, handlerTimeoutMs: 50, maxMessages: 100_000, maxSubrequests: 10_000, maxCpuMs: 5 };

  it("takes what the estimate leaves after this request and the one that commits the batch", () => {
    const size = Math.floor((5_000 - estimateCpuUs(2, 0)) / MESSAGE_CPU_US);
    expect(size).toBeGreaterThan(0);
    expect(planBatchSize(o, { elapsedMs: 0, taken: 0, subrequestsUsed: 0 })).toEqual({ size, limit: "cpu" });
  });

  it("counts the requests and messages already spent", () => {
    const size = Math.floor((5_000 - estimateCpuUs(3 + 2, 20)) / MESSAGE_CPU_US);
    expect(planBatchSize(o, { elapsedMs: 0, taken: 20, subrequestsUsed: 3 })).toEqual({ size: Math.max(0, size), limit: "cpu" });
  });

  it("counts each message's handler fetches as requests", () => {
    const size = Math.floor((5_000 - estimateCpuUs(2, 0)) / (MESSAGE_CPU_US + 2 * REQUEST_CPU_US));
    expect(planBatchSize({ ...o, fetchesPerMessage: 2 }, { elapsedMs: 0, taken: 0, subrequestsUsed: 0 })).toEqual({ size, limit: "cpu" });
  });

  it("takes none once the estimate has no room for a message", () => {
    const requests = Math.ceil((5_000 - estimateCpuUs(2, 0)) / REQUEST_CPU_US);
    expect(planBatchSize(o, { elapsedMs: 0, taken: 0, subrequestsUsed: requests })).toEqual({ size: 0, limit: "cpu" });
  });
});

describe("maxCpuMs", () => {
  const define = (options: object) => definePollingFunction({ name: "payments", stream: "s", group: "g", crons: ["* * * * *"], handle: async () => {}, options });

  it("defaults to the Free plan's 10 ms, shared by the functions on one cron", () => {
    const fn = define({});
    expect(resolveOptions(fn, {}, 1).maxCpuMs).toBe(10);
    expect(resolveOptions(fn, {}, 2).maxCpuMs).toBe(5);
    expect(resolveOptions(fn, { FN_PAYMENTS_MAX_CPU_MS: "30000" }, 2).maxCpuMs).toBe(30_000);
  });

  it("refuses a budget with no room for one request, one commit and one message, naming it", () => {
    expect(() => define({ maxCpuMs: 1 })).toThrow(/`maxCpuMs` \(1\) must leave room for one read, one commit, one message and a recovery claim/);
    expect(() => define({ maxCpuMs: 0 })).toThrow(/`maxCpuMs` must be a number from/);
  });
});

describe("a run under the CPU budget", () => {
  it("stops with stopReason 'cpu' where one more batch would pass the estimate, and commits what it read", async () => {
    const fn = f.fn({ handle: async () => {}, options: {} });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(600));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report.stopReason).toBe("cpu");
    expect(estimateCpuUs(report.requests, report.read)).toBeLessThanOrEqual(10_000);
    // It stopped because one more batch (one more request, ten more messages) would not have fitted.
    expect(estimateCpuUs(report.requests + 1, report.read + 10)).toBeGreaterThan(10_000);
    expect(report.acked).toBe(report.read);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    const groups = (await f.tcp.sendCommand(["XINFO", "GROUPS", fn.stream])) as unknown[][];
    expect(groups[0]).toContain(600 - report.read); // lag: the rest waits for the next run
  });

  it("raised for the Paid plan, the same backlog is taken by other budgets", async () => {
    const fn = f.fn({ handle: async () => {}, options: { maxCpuMs: 30_000 } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(600));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report.stopReason).toBe("subrequests");
    expect(report.read).toBe(490);
  });
});
