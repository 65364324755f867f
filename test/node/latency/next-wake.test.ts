/** When a session wakes next, and the `pollIntervalMs` option's validation: pure logic, as tables. */
import { describe, expect, it } from "vitest";
import { definePollingFunction, resolveOptions } from "../../../src/core/define/define.js";
import { nextWake, RETRY_SLACK_MS } from "../../../src/core/run/next-wake.js";
import { defaultOptions } from "../../../src/core/define/options.js";

const o = { ...defaultOptions("s"), maxRunMs: 25_000, handlerTimeoutMs: 15_000, maxSubrequests: 50 };
const at = (input: Partial<Parameters<typeof nextWake>[0]>) => nextWake({ now: 1_000, startedAt: 0, used: 2, options: o, ...input });

describe("nextWake", () => {
  it.each([
    ["nothing to wait for", {}, undefined],
    ["a retry due within the budget", { retryAt: 3_000 }, 3_000 + RETRY_SLACK_MS],
    ["a retry due after a batch could no longer be read", { retryAt: 10_001 }, undefined],
    ["the lease's end, before a retry", { retryAt: 3_000, quietAt: 1_250 }, 1_250],
    ["a poll, the soonest of three", { retryAt: 3_000, quietAt: 2_500, pollAt: 1_200 }, 1_200],
    ["a moment already past: now", { quietAt: 900 }, 1_000],
    ["no subrequests left for a read and a commit", { quietAt: 1_250, used: 49 }, undefined],
  ])("%s", (_, input, expected) => {
    expect(at(input)).toBe(expected);
  });
});

describe("pollIntervalMs", () => {
  const fn = (options: object) => definePollingFunction({ name: "p", stream: "s", group: "g", crons: ["* * * * *"], options, handle: async () => {} });

  it("is off by default", () => {
    expect(resolveOptions(fn({}), {}, 1).pollIntervalMs).toBe(0);
  });

  it("refuses an interval under 100 ms, naming the option", () => {
    expect(() => fn({ pollIntervalMs: 50 })).toThrow(/`pollIntervalMs` must be 0 \(off\) or at least 100; got 50/);
  });

  it("can be set per deployment with FN_<NAME>_POLL_INTERVAL_MS", () => {
    expect(resolveOptions(fn({}), { FN_P_POLL_INTERVAL_MS: "1000" }, 1).pollIntervalMs).toBe(1_000);
  });
});
