/**
 * `cronsumer/testing` as a user's test drives it: functions over the
 * in-memory store, on the harness's clock. Each behaviour that depends on
 * time (backoff, visibility timeout, delays, rate windows) is shown not
 * happening before its time and happening right after an `advance`, with no
 * sleeping. The same scenarios run against the real store of this suite
 * (the bridge, through CRONSUMER_TEST_UPSTASH_URL) where no clock is moved.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { definePollingFunction, PermanentError } from "../../../src/index.js";
import { createTestHarness, type TestHarness } from "../../../src/testing/index.js";
import { randomBytes } from "node:crypto";

const open: TestHarness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function fixture(options: Parameters<typeof definePollingFunction>[0]["options"] = {}, fail: (text: string) => boolean = () => false) {
  const stream = `testing:${randomBytes(6).toString("hex")}:in`;
  const ledger = `${stream}:ledger`;
  const seen: string[] = [];
  const fn = definePollingFunction({
    name: "charge",
    stream,
    group: "chargers",
    crons: ["* * * * *"],
    options: { maxDeliveries: 3, backoff: { strategy: "fixed", baseDelayMs: 10_000, maxDelayMs: 10_000 }, ...options },
    async handle(message, ctx) {
      const text = message.fields.text ?? "";
      seen.push(text);
      if (text === "invalid") throw new PermanentError("invalid order");
      if (fail(text)) throw new Error(`declined ${text}`);
      ctx.effects.xadd(ledger, { text, who: String(ctx.env.WHO) });
    },
  });
  return { fn, stream, ledger, seen };
}

async function harness(functions: Parameters<typeof createTestHarness>[0]["functions"], storeEnv: Record<string, string> = {}): Promise<TestHarness> {
  const h = await createTestHarness({ functions, env: { WHO: "unit" }, storeEnv });
  open.push(h);
  return h;
}

describe("createTestHarness, in memory", () => {
  it("runs one run: the handler's effect in the ledger, nothing pending, the report stored", async () => {
    const { fn, ledger } = fixture();
    const h = await harness([fn]);
    expect(h.store).toBe("memory");
    const { ids } = await h.enqueue(fn.stream, [{ text: "a" }, { text: "b" }]);
    const report = await h.run("charge");
    expect(report).toMatchObject({ function: "charge", read: 2, acked: 2, stopReason: "drained" });
    expect((await h.entries(ledger)).map((e) => e.fields)).toEqual([{ text: "a", who: "unit" }, { text: "b", who: "unit" }]);
    expect(await h.pending("charge")).toEqual([]);
    expect((await h.reports("charge"))[0]).toEqual(report);
    expect(ids).toHaveLength(2);
  });

  it("retries after the backoff, not before, and dead-letters after maxDeliveries, with no sleeping", async () => {
    const { fn, ledger, seen } = fixture({}, (t) => t === "declined");
    const h = await harness([fn]);
    const { ids } = await h.enqueue(fn.stream, { text: "declined" });
    const started = Date.now();
    await h.run("charge");
    expect((await h.pending("charge")).map((p) => [p.id, p.deliveries])).toEqual([[ids[0], 1]]);
    await h.advance(9_000);
    await h.run("charge");
    expect(seen).toEqual(["declined"]);
    await h.advancePastBackoff("charge", 1);
    await h.run("charge");
    expect((await h.pending("charge")).map((p) => p.deliveries)).toEqual([2]);
    await h.advancePastBackoff("charge", 2);
    await h.run("charge");
    expect(seen).toEqual(["declined", "declined", "declined"]);
    expect(await h.pending("charge")).toEqual([]);
    const [letter] = await h.deadLetters("charge");
    expect(letter).toMatchObject({ originalId: ids[0], deliveries: 3, fields: { text: "declined" } });
    expect(letter!.error).toContain("declined declined");
    expect(await h.entries(ledger)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("dead-letters a PermanentError at once", async () => {
    const { fn } = fixture();
    const h = await harness([fn]);
    await h.enqueue(fn.stream, { text: "invalid" });
    await h.run("charge");
    expect((await h.deadLetters("charge")).map((d) => [d.fields.text, d.deliveries, d.error])).toEqual([["invalid", 1, "PermanentError: invalid order"]]);
  });

  it("reclaims a delivery left pending by a crashed run once the visibility timeout has passed, not before", async () => {
    const { fn, ledger } = fixture({ visibilityTimeoutMs: 60_000 });
    const h = await harness([fn]);
    const { ids } = await h.enqueue(fn.stream, { text: "orphan" });
    // A run that read the message and died: XREADGROUP, and no XACK.
    await h.transport.pipeline([["XGROUP", "CREATE", fn.stream, fn.group, "0", "MKSTREAM"], ["XREADGROUP", "GROUP", fn.group, "crashed", "COUNT", 10, "STREAMS", fn.stream, ">"]]);
    await h.advance(59_000);
    expect((await h.run("charge")).reclaimed).toBe(0);
    await h.advancePastVisibilityTimeout("charge");
    expect((await h.run("charge")).reclaimed).toBe(1);
    expect((await h.entries(ledger)).map((e) => e.fields?.text)).toEqual(["orphan"]);
    expect(await h.pending("charge")).toEqual([]);
    expect(ids).toHaveLength(1);
  });

  it("holds a delayed message until it is due", async () => {
    const { fn, ledger } = fixture({ delays: true });
    const h = await harness([fn]);
    const sent = await h.enqueue(fn.stream, { text: "later" }, { delayMs: 3_600_000 });
    expect(sent.dueAt).toBeGreaterThan(h.now());
    await h.run("charge");
    await h.advance(3_599_000);
    await h.run("charge");
    expect(await h.entries(ledger)).toEqual([]);
    await h.advance(1_000);
    await h.run("charge");
    expect((await h.entries(ledger)).map((e) => e.fields?.text)).toEqual(["later"]);
  });

  it("keeps to a rate window and takes the next messages once it has passed", async () => {
    const { fn, ledger } = fixture({ rateLimit: { limit: 2, periodMs: 60_000 } });
    const h = await harness([fn]);
    // At a window's start, the next one is further away than the run's maxRunMs: the run stops instead of waiting.
    await h.advancePastRateWindow("charge");
    await h.enqueue(fn.stream, [1, 2, 3, 4, 5].map((n) => ({ text: String(n) })));
    await h.run("charge");
    expect(await h.entries(ledger)).toHaveLength(2);
    await h.advance(30_000);
    await h.run("charge");
    expect(await h.entries(ledger)).toHaveLength(2);
    await h.advancePastRateWindow("charge");
    await h.run("charge");
    expect((await h.entries(ledger)).map((e) => e.fields?.text)).toEqual(["1", "2", "3", "4"]);
  });

  it("ticks a cron: every function on it runs, in a session that waits for due retries on the harness's clock", async () => {
    let first = true;
    const { fn, ledger } = fixture({ maxRunMs: 120_000, backoff: { strategy: "fixed", baseDelayMs: 20_000, maxDelayMs: 20_000 } }, () => (first ? !(first = false) : false));
    const h = await harness([fn]);
    await h.enqueue(fn.stream, { text: "flaky" });
    const started = Date.now();
    const [report] = await h.tick("* * * * *");
    expect(report).toMatchObject({ function: "charge", trigger: "cron", read: 1, retried: 1, reclaimed: 1, acked: 1 });
    expect((await h.entries(ledger)).map((e) => e.fields?.text)).toEqual(["flaky"]);
    // The session waited 20 s for the retry on the harness's clock, not on the wall's.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(h.now() - Date.now()).toBeGreaterThanOrEqual(20_000);
    expect(await h.tick("0 0 1 1 *")).toEqual([]);
  });

  it("names an unknown function", async () => {
    const { fn } = fixture();
    const h = await harness([fn]);
    await expect(h.run("nope")).rejects.toThrow('no function named "nope" (have charge)');
  });
});

describe("createTestHarness on a real store (CRONSUMER_TEST_UPSTASH_URL)", () => {
  it("runs the same scenario against it: effect in the ledger, then a retry after a real backoff", async () => {
    const { fn, ledger } = fixture({ backoff: { strategy: "fixed", baseDelayMs: 1_000, maxDelayMs: 1_000 } }, (t) => t === "declined");
    const h = await harness([fn], { CRONSUMER_TEST_UPSTASH_URL: inject("bridgeUrl"), CRONSUMER_TEST_UPSTASH_TOKEN: inject("bridgeToken") });
    expect(h.store).toBe("upstash");
    await h.enqueue(fn.stream, [{ text: "ok" }, { text: "declined" }]);
    await h.run("charge");
    expect((await h.entries(ledger)).map((e) => e.fields?.text)).toEqual(["ok"]);
    await h.advancePastBackoff("charge", 1);
    await h.run("charge");
    expect((await h.pending("charge")).map((p) => p.deliveries)).toEqual([2]);
  });
});
