/**
 * Polling functions inside workerd, where the Worker runs: handlers that
 * `ctx.fetch` a real HTTP receiver, effects committed with the ack, a retry
 * after its backoff, dead letters, and the shipped `webhook` function's
 * signed deliveries. Node forgives what workerd refuses (a built-in `fetch`
 * called as a method throws "Illegal invocation" here), so these run here.
 */
import { describe, expect, it } from "vitest";
import { PermanentError } from "../../src/core/redis/errors.js";
import { runFunction } from "../../src/core/run/run.js";
import { definePollingFunction } from "../../src/core/define/define.js";
import { attemptErrorsKey } from "../../src/core/redis/keys.js";
import { webhook } from "../../src/functions/webhook.js";
import { box, entries, freshFunction, newBox, pendingIds, receiverSecret, receiverUrl, redis, sleep, transport, useNativeFetch } from "./support.js";

useNativeFetch();

const run = (fn: Parameters<typeof runFunction>[0], vars: Record<string, string> = {}) => runFunction(fn, { transport, vars, trigger: "manual" });
/** Small enough that a retry comes due within a second; validation wants VT ≥ handlerTimeoutMs + 5 s. */
const FAST_RETRY = { visibilityTimeoutMs: 6_000, handlerTimeoutMs: 1_000, backoff: { strategy: "fixed" as const, baseDelayMs: 500, maxDelayMs: 500 } };

describe("a polling function in workerd", () => {
  it("lets a handler POST with ctx.fetch to a real server, and commits its effects with the ack", async () => {
    const target = newBox();
    const fn = freshFunction({
      async handle(message, ctx) {
        const res = await ctx.fetch(`${receiverUrl}/hook/${target}`, { method: "POST", body: message.fields.n });
        if (!res.ok) throw new Error(`receiver answered ${res.status}`);
        ctx.effects.xadd(`${message.stream}:effects`, { n: message.fields.n!, status: String(res.status) });
      },
    });
    const ids = [await redis.xadd(fn.stream, "*", { n: "1" }), await redis.xadd(fn.stream, "*", { n: "2" })];

    const report = await run(fn);
    // Before anything else: the report names what failed (a fetch called with the wrong `this` fails every attempt here).
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ read: 2, acked: 2, retried: 0, deadLettered: 0, fetches: 2 });
    expect(report.error).toBeUndefined();
    expect((await box(target)).map((r) => r.body).sort()).toEqual(["1", "2"]);
    expect((await entries(`${fn.stream}:effects`)).map((e) => e.fields)).toEqual([
      { n: "1", status: "200" },
      { n: "2", status: "200" },
    ]);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
    expect(ids).toHaveLength(2);
  });

  it("hands a handler every field value exactly as written, and commits its effects byte for byte", async () => {
    // Replies come as plain JSON, not base64 (src/functions/redis.ts): no value may come out changed.
    const fields: Record<string, string> = {
      accents: "héllo wörld", cjk: "日本語", emoji: "🙂 ok", json: '{"a":[1,"two"]}', number: "42", bool: "true", nil: "null",
      quotes: 'say "hi" \\ back\\slash', controls: "line\nbreak\ttab\u0001", empty: "", ok: "OK", base64ish: "SGVsbG8=",
    };
    const seen: Record<string, string>[] = [];
    const fn = freshFunction({
      async handle(message, ctx) {
        seen.push(message.fields);
        ctx.effects.xadd(`${message.stream}:echo`, message.fields);
      },
    });
    await redis.xadd(fn.stream, "*", fields);

    expect(await run(fn)).toMatchObject({ read: 1, acked: 1 });
    expect(seen).toEqual([fields]);
    expect((await entries(`${fn.stream}:echo`)).map((e) => e.fields)).toEqual([fields]);
  });

  it("retries a failed attempt once its backoff has passed, and the second run handles it", async () => {
    const target = newBox();
    const fn = freshFunction({
      async handle(message, ctx) {
        const res = await ctx.fetch(`${receiverUrl}/hook/${target}?status=${message.attempt === 1 ? 503 : 200}`, { method: "POST", body: String(message.attempt) });
        if (!res.ok) throw new Error(`receiver answered ${res.status}`);
      },
      options: FAST_RETRY,
    });
    const id = await redis.xadd(fn.stream, "*", { n: "1" });

    expect(await run(fn)).toMatchObject({ read: 1, retried: 1, acked: 0, failures: [{ id, attempt: 1, error: "receiver answered 503" }] });
    expect(await pendingIds(fn.stream, fn.group)).toEqual([id]);
    const errors = attemptErrorsKey(fn.stream, fn.group);
    expect(JSON.parse((await redis.hget(errors, id)) as string)).toMatchObject({ attempt: 1, error: "receiver answered 503" });
    expect(await run(fn)).toMatchObject({ reclaimed: 0, acked: 0 });
    await sleep(800);
    expect(await run(fn)).toMatchObject({ reclaimed: 1, acked: 1 });
    expect((await box(target)).map((r) => r.body)).toEqual(["1", "2"]);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
    expect(await redis.hget(errors, id)).toBeNull();
  });

  it("dead-letters a PermanentError at once, and a message out of deliveries, with their errors", async () => {
    const fn = freshFunction({
      async handle(message) {
        if (message.fields.kind === "invalid") throw new PermanentError("amount is missing");
        throw new Error(`down (attempt ${message.attempt})`);
      },
      options: { ...FAST_RETRY, maxDeliveries: 2 },
    });
    const invalid = await redis.xadd(fn.stream, "*", { kind: "invalid" });
    const flaky = await redis.xadd(fn.stream, "*", { kind: "down" });

    expect(await run(fn)).toMatchObject({ read: 2, deadLettered: 1, retried: 1 });
    await sleep(800);
    expect(await run(fn)).toMatchObject({ reclaimed: 1, deadLettered: 1 });
    const dead = (await entries(`${fn.stream}:dlq`)).map((e) => e.fields);
    expect(dead).toEqual([
      expect.objectContaining({ "original-id": invalid, deliveries: "1", error: "PermanentError: amount is missing" }),
      expect.objectContaining({ "original-id": flaky, deliveries: "2", error: "down (attempt 2)" }),
    ]);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
  });
});

describe("the webhook function in workerd", () => {
  const webhookAt = (target: string) => {
    const fn = freshFunction({ handle: webhook.handle });
    return {
      fn: definePollingFunction({ ...webhook, name: fn.name, stream: fn.stream, options: { ...webhook.options, ...fn.options, ...FAST_RETRY } }),
      vars: { WEBHOOK_URL: `${receiverUrl}/hook/${target}`, WEBHOOK_SECRET: receiverSecret },
    };
  };

  it("delivers a signed POST that the receiver verifies, and acknowledges it", async () => {
    const target = newBox();
    const { fn, vars } = webhookAt(target);
    const id = await redis.xadd(fn.stream, "*", { orderID: "o-1", amount: "12.50" });

    const report = await run(fn, vars);
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ read: 1, acked: 1, retried: 0, deadLettered: 0 });
    const got = await box(target);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ method: "POST", verified: true, id, attempt: "1" });
    expect(JSON.parse(got[0]!.body)).toEqual({ id, stream: fn.stream, attempt: 1, fields: { orderID: "o-1", amount: "12.50" } });
    expect(await pendingIds(fn.stream, fn.group)).toEqual([]);
  });

  it("does not follow a redirect: a 301 is dead-lettered, a 307 retried, and nothing reaches the new location", async () => {
    const target = newBox();
    const { fn, vars } = webhookAt(target);
    const moved = await redis.xadd(fn.stream, "*", { respond: "301" });
    const temporary = await redis.xadd(fn.stream, "*", { respond: "307" });

    expect(await run(fn, vars)).toMatchObject({ read: 2, deadLettered: 1, retried: 1, acked: 0 });
    expect((await box(target)).map((r) => `${r.method} ${r.path}`)).toEqual([`POST /hook/${target}`, `POST /hook/${target}`]);
    const dead = (await entries(`${fn.stream}:dlq`)).map((e) => e.fields);
    expect(dead).toEqual([expect.objectContaining({ "original-id": moved, error: expect.stringMatching(/^PermanentError: webhook answered 301/) })]);
    expect(await pendingIds(fn.stream, fn.group)).toEqual([temporary]);
  });
});
