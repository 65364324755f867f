/** Option defaults, validation that names the option, impossible combinations, and FN_* overrides. */
import { describe, expect, it } from "vitest";
import { idleForDelay, retryDelayMs } from "../../../src/core/define/backoff.js";
import { definePollingFunction, resolveOptions } from "../../../src/core/define/define.js";
import { ConfigError } from "../../../src/core/redis/errors.js";
import { defaultOptions } from "../../../src/core/define/options.js";
import { applyOverrides, overrideVarName, screamingSnake, unknownOverrides } from "../../../src/core/define/overrides.js";
import { planBatchSize } from "../../../src/core/run/plan.js";

const handle = async () => {};
const define = (options: object = {}, extra: object = {}) =>
  definePollingFunction({ name: "payments", stream: "s", group: "g", crons: ["* * * * *"], handle, options, ...extra });

describe("definePollingFunction", () => {
  it.each<[string, object, object, RegExp]>([
    ["a bad name", {}, { name: "Pay Ments" }, /`name` must match/],
    ["an empty stream", {}, { stream: "" }, /`stream` must be a non-empty string/],
    ["no crons", {}, { crons: [] }, /`crons` must list at least one cron/],
    ["a batchSize of 0", { batchSize: 0 }, {}, /`batchSize` must be an integer from 1 to 500; got 0/],
    ["a fractional concurrency", { concurrency: 1.5 }, {}, /`concurrency` must be an integer/],
    ["a string maxDeliveries", { maxDeliveries: "3" }, {}, /`maxDeliveries` must be an integer from 1 to 1000; got "3"/],
    ["an unknown backoff strategy", { backoff: { strategy: "random" } }, {}, /`backoff.strategy` must be/],
    ["a backoff longer than the visibility timeout", { backoff: { maxDelayMs: 120_000 } }, {}, /`backoff.maxDelayMs` must be an integer from 1000 to 60000/],
    ["a bad startId", { startId: "latest" }, {}, /`startId` must be "\$", "0" or a stream id/],
    ["a non-boolean noAck", { noAck: "yes" }, {}, /`noAck` must be a boolean/],
    [
      "a visibility timeout shorter than the longest batch",
      { handlerTimeoutMs: 20_000, batchSize: 20, concurrency: 5, visibilityTimeoutMs: 60_000 },
      {},
      /`visibilityTimeoutMs` \(60000\) must be at least handlerTimeoutMs × ceil\(batchSize \/ concurrency\) \+ 5000 ms = 85000/,
    ],
    ["a maxHandlerMs below handlerTimeoutMs", { maxHandlerMs: 10_000 }, {}, /`maxHandlerMs` \(10000\) must be at least `handlerTimeoutMs` \(15000\): it caps how far ctx.extendVisibility/],
    ["a maxHandlerMs longer than the run", { maxHandlerMs: 30_000 }, {}, /`maxHandlerMs` \(30000\) must be at most `maxRunMs` \(25000\): no handler outlives its run; raise maxRunMs \(up to 900000/],
    ["a maxHandlerMs past Cron Triggers' wall clock", { maxHandlerMs: 16 * 60_000, maxRunMs: 15 * 60_000 }, {}, /`maxHandlerMs` must be an integer from 1 to 900000 \(Cron Triggers' wall clock\); got 960000/],
    ["a fractional maxHandlerMs", { maxHandlerMs: 20_000.5 }, {}, /`maxHandlerMs` must be an integer/],
    ["an extended visibility timeout too short for its heartbeat", { maxHandlerMs: 20_000, visibilityTimeoutMs: 1_500, backoff: { maxDelayMs: 1_000 } }, {}, /with `maxHandlerMs`, `visibilityTimeoutMs` \(1500\) must be at least 2000/],
    [
      "a subrequest budget with no room for a batch's extensions",
      { maxHandlerMs: 20_000, visibilityTimeoutMs: 2_000, handlerTimeoutMs: 3_000, backoff: { maxDelayMs: 1_000 }, maxSubrequests: 4 },
      {},
      /`maxSubrequests` \(4\) must leave room for one read, one commit, one message's fetches, a recovery claim and a batch's 3 visibility extensions \(maxHandlerMs\) \(6\)/,
    ],
    ["maxPending near Upstash's PEL limit", { maxPending: 900 }, {}, /`maxPending` \+ `batchSize` must stay below 900/],
    ["a run shorter than one handler", { maxRunMs: 1_000, handlerTimeoutMs: 5_000 }, {}, /`maxRunMs` \(1000\) must be at least `handlerTimeoutMs` \(5000\)/],
    ["a subrequest budget that cannot carry one message", { maxSubrequests: 2, fetchesPerMessage: 1 }, {}, /`maxSubrequests` \(2\) must leave room for one read, one commit, one message's fetches and a recovery claim \(4\)/],
    ["a subrequest budget with no room for retention", { maxSubrequests: 5, retention: {} }, {}, /`maxSubrequests` \(5\) must leave room for one read, one commit, one message's fetches, a recovery claim and retention \(6\)/],
  ])("rejects %s with an error naming it", (_, options, extra, message) => {
    expect(() => define(options, extra)).toThrow(ConfigError);
    expect(() => define(options, extra)).toThrow(message);
  });

  it("lets handlers outlast the visibility timeout once maxHandlerMs extends it, bounded by the run instead", () => {
    const long = { visibilityTimeoutMs: 5_000, handlerTimeoutMs: 20_000, maxRunMs: 60_000, batchSize: 20, concurrency: 5 };
    expect(() => define(long)).toThrow(/`visibilityTimeoutMs` \(5000\) must be at least .* or set `maxHandlerMs`/);
    // On Paid's CPU: a batch's 32 extensions, kept free before it is read, do not fit Free's 10 ms estimate (below).
    expect(resolveOptions(define({ ...long, maxHandlerMs: 45_000, maxCpuMs: 30_000 }), {}, 1)).toMatchObject({ maxHandlerMs: 45_000, handlerTimeoutMs: 20_000 });
  });

  it("refuses extensions whose requests the CPU budget could never pay before a batch is read, naming them", () => {
    const long = { visibilityTimeoutMs: 5_000, handlerTimeoutMs: 20_000, maxRunMs: 60_000, batchSize: 20, concurrency: 5, maxHandlerMs: 45_000 };
    expect(() => define(long)).toThrow(/`maxCpuMs` \(10\) must leave room for one read, one commit, one message, a recovery claim and a batch's 32 visibility extensions \(maxHandlerMs\) \(28\.51 ms/);
  });

  it("counts a rate limit's first request and a batch's key leases in the least a run needs, naming them", () => {
    const o = { maxSubrequests: 4, rateLimit: { limit: 10, periodMs: 1_000 }, keyConcurrency: { field: "k", max: 1 } };
    expect(() => define(o)).toThrow(
      /`maxSubrequests` \(4\) must leave room for one read, one commit, one message's fetches, a recovery claim, the rate limit's first request and a batch's key leases \(5\)/,
    );
    expect(resolveOptions(define({ ...o, maxSubrequests: 5 }), {}, 1).maxSubrequests).toBe(5);
  });

  it("fills documented defaults", () => {
    const o = resolveOptions(define(), {}, 1);
    expect(o).toEqual({ ...defaultOptions("s"), maxSubrequests: 50 });
    expect(o.deadLetterStream).toBe("s:dlq");
  });

  it("splits the Free plan's 50 subrequests between functions on one cron", () => {
    expect(resolveOptions(define(), {}, 2).maxSubrequests).toBe(25);
    expect(resolveOptions(define({ maxSubrequests: 40 }), {}, 2).maxSubrequests).toBe(40);
  });
});

describe("FN_* overrides", () => {
  it.each([
    ["payments", ["visibilityTimeoutMs"], "FN_PAYMENTS_VISIBILITY_TIMEOUT_MS"],
    ["payments", ["maxDeliveries"], "FN_PAYMENTS_MAX_DELIVERIES"],
    ["payments", ["batchSize"], "FN_PAYMENTS_BATCH_SIZE"],
    ["order-events", ["noAck"], "FN_ORDER_EVENTS_NO_ACK"],
    ["payments", ["backoff", "baseDelayMs"], "FN_PAYMENTS_BACKOFF_BASE_DELAY_MS"],
    ["payments", ["retention", "maxLen"], "FN_PAYMENTS_RETENTION_MAX_LEN"],
  ])("%s %j is set by %s", (fn, path, name) => {
    expect(overrideVarName(fn, path)).toBe(name);
  });

  it("applies numeric, boolean and nested overrides and says which applied", () => {
    const vars = { FN_PAYMENTS_BATCH_SIZE: "25", FN_PAYMENTS_NO_ACK: "true", FN_PAYMENTS_BACKOFF_BASE_DELAY_MS: "250", FN_OTHER_BATCH_SIZE: "7" };
    const { options, applied } = applyOverrides("payments", defaultOptions("s"), vars);
    expect(options).toMatchObject({ batchSize: 25, noAck: true, backoff: { baseDelayMs: 250 } });
    expect(applied.sort()).toEqual(["FN_PAYMENTS_BACKOFF_BASE_DELAY_MS", "FN_PAYMENTS_BATCH_SIZE", "FN_PAYMENTS_NO_ACK"]);
    expect(resolveOptions(define(), vars, 1).batchSize).toBe(25);
  });

  it.each([
    [{ FN_PAYMENTS_BATCH_SIZE: "ten" }, /FN_PAYMENTS_BATCH_SIZE must be an integer; got "ten"/],
    [{ FN_PAYMENTS_NO_ACK: "maybe" }, /FN_PAYMENTS_NO_ACK must be "true" or "false"; got "maybe"/],
    [{ FN_PAYMENTS_BATCH_SIZE: "100000" }, /`batchSize` must be an integer from 1 to 500; got 100000/],
    [{ FN_PAYMENTS_VISIBILITY_TIMEOUT_MS: "6000" }, /`visibilityTimeoutMs` \(6000\) must be at least/],
  ])("rejects an invalid value clearly: %j", (vars, message) => {
    expect(() => resolveOptions(define(), vars, 1)).toThrow(message);
  });

  it("lists FN_ vars that match no option, which are almost always typos", () => {
    expect(unknownOverrides("payments", defaultOptions("s"), { FN_PAYMENTS_BATCHSIZE: "3", FN_PAYMENTS_BATCH_SIZE: "3" })).toEqual(["FN_PAYMENTS_BATCHSIZE"]);
    expect(screamingSnake("visibilityTimeoutMs")).toBe("VISIBILITY_TIMEOUT_MS");
  });
});

describe("backoff", () => {
  it.each([
    ["exponential", 1, 1_000],
    ["exponential", 2, 2_000],
    ["exponential", 5, 16_000],
    ["exponential", 9, 30_000],
    ["linear", 3, 3_000],
    ["fixed", 7, 1_000],
  ] as const)("%s after attempt %i waits %i ms", (strategy, attempt, ms) => {
    expect(retryDelayMs({ strategy, baseDelayMs: 1_000, maxDelayMs: 30_000 }, attempt)).toBe(ms);
  });

  it("sets idle to visibility − delay, clamped to [0, visibility]", () => {
    expect(idleForDelay(60_000, 5_000)).toBe(55_000);
    expect(idleForDelay(60_000, 0)).toBe(60_000);
    expect(idleForDelay(60_000, 90_000)).toBe(0);
  });
});

describe("planBatchSize", () => {
  // A Paid-plan CPU budget: the CPU bound has its own tests (run-cpu-budget.test.ts).
  const o = { ...defaultOptions("s"), batchSize: 10, concurrency: 5, handlerTimeoutMs: 1_000, maxRunMs: 10_000, maxSubrequests: 20, maxMessages: 100, maxCpuMs: 30_000 };
  it.each([
    ["a fresh run takes a full batch", { elapsedMs: 0, taken: 0, subrequestsUsed: 0 }, { size: 10, limit: "messages" }],
    ["near maxMessages it takes the rest", { elapsedMs: 0, taken: 96, subrequestsUsed: 0 }, { size: 4, limit: "messages" }],
    ["at maxMessages it takes none", { elapsedMs: 0, taken: 100, subrequestsUsed: 0 }, { size: 0, limit: "messages" }],
    ["with one round of time left it takes one lane each", { elapsedMs: 8_500, taken: 0, subrequestsUsed: 0 }, { size: 5, limit: "time" }],
    ["without time for one handler it takes none", { elapsedMs: 9_500, taken: 0, subrequestsUsed: 0 }, { size: 0, limit: "time" }],
    ["without room for the read and its commit it takes none", { elapsedMs: 0, taken: 0, subrequestsUsed: 19 }, { size: 0, limit: "subrequests" }],
    ["with room for exactly the read and its commit it takes a batch", { elapsedMs: 0, taken: 0, subrequestsUsed: 18 }, { size: 10, limit: "messages" }],
  ] as const)("%s", (_, spent, plan) => {
    expect(planBatchSize(o, spent)).toEqual(plan);
  });

  it("reserves each message's fetches", () => {
    expect(planBatchSize({ ...o, fetchesPerMessage: 2 }, { elapsedMs: 0, taken: 0, subrequestsUsed: 10 })).toEqual({ size: 4, limit: "subrequests" });
  });
});
