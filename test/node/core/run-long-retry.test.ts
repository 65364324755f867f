/**
 * Retry delays longer than the visibility timeout (`delays: true`): the
 * message is acknowledged and parked in the delayed set in one MULTI/EXEC,
 * comes back once due with its fields and its delivery count, and still
 * dead-letters at `maxDeliveries`. A commit lost to a dropped connection
 * leaves it parked and acknowledged, or pending as before: never both, never
 * neither.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { carriedDeliveries, decodePayload } from "../../../src/core/features/delayed.js";
import type { Message } from "../../../src/core/define/define.js";
import { RetryError } from "../../../src/core/redis/errors.js";
import { delayedKey, delayedPayloadsKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, entries, faultyBridge, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0], t = transport) => runFunction(fn, { transport: t, vars: {}, trigger: "cron" });
const VT = 6_000;
const options = { delays: true, visibilityTimeoutMs: VT, handlerTimeoutMs: 500, maxDeliveries: 3 };

async function parked(stream: string): Promise<{ id: string; dueAt: number; fields: Record<string, string>; prior: number }[]> {
  const members = (await f.tcp.zRangeWithScores(delayedKey(stream), 0, -1)) as { value: string; score: number }[];
  const out = [];
  for (const m of members) {
    const payload = await f.tcp.hGet(delayedPayloadsKey(stream), m.value);
    const { fields, prior } = carriedDeliveries(decodePayload(payload!));
    out.push({ id: m.value, dueAt: m.score, fields, prior });
  }
  return out;
}

describe("long retry delays", () => {
  it("parks a retry longer than the visibility timeout with its ack, and hands it back once due with its delivery count", async () => {
    const seen: Message[] = [];
    const fn = f.fn({
      handle: async (m) => {
        seen.push(m);
        if (m.attempt === 1) throw new RetryError("come back later", { delayMs: VT + 1_000 });
      },
      options,
    });
    await f.createGroup(fn);
    const fields = { orderID: "o-9", note: "a:b 1:x" };
    const [id] = await enqueue(f.tcp, fn.stream, [fields]);
    const before = Date.now();
    const first = await run(fn);
    expect(first).toMatchObject({ read: 1, retried: 1, acked: 0 });
    // Acknowledged: nothing pending holds the PEL for seven seconds.
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    const [held] = await parked(fn.stream);
    expect(held).toMatchObject({ id: `retry-${id}`, fields, prior: 1 });
    expect(held!.dueAt).toBeGreaterThanOrEqual(before + VT + 1_000);

    // Not before it is due, even once the visibility timeout has passed.
    await sleep(VT - 1_000);
    await run(fn);
    expect(seen).toHaveLength(1);
    await sleep(2_200);
    const back = await run(fn);
    expect(back).toMatchObject({ read: 1, acked: 1 });
    expect(seen.map((m) => ({ fields: m.fields, attempt: m.attempt, prior: m.priorDeliveries }))).toEqual([
      { fields, attempt: 1, prior: undefined },
      { fields, attempt: 2, prior: 1 },
    ]);
    expect(await parked(fn.stream)).toEqual([]);
  }, 20_000);

  it("dead-letters at maxDeliveries counting the deliveries before each park", async () => {
    const attempts: number[] = [];
    const fn = f.fn({
      handle: async (m) => {
        attempts.push(m.attempt);
        throw new RetryError("still down", { delayMs: VT + 1 });
      },
      options,
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ k: "v" }]);
    for (let i = 0; i < 3; i++) {
      await run(fn);
      // Make whatever is parked due now, instead of waiting.
      for (const p of await parked(fn.stream)) await f.tcp.zAdd(delayedKey(fn.stream), { score: 0, value: p.id });
    }
    expect(attempts).toEqual([1, 2, 3]);
    const [dead] = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dead!.message).toMatchObject({ deliveries: "3" });
    expect(JSON.parse(dead!.message.fields!)).toEqual({ k: "v" });
    expect(await parked(fn.stream)).toEqual([]);
  });

  it("keeps a retry within the visibility timeout on the PEL, as before", async () => {
    const fn = f.fn({
      handle: async () => {
        throw new RetryError("soon", { delayMs: 1_000 });
      },
      options,
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ k: "v" }]);
    await run(fn);
    expect(await pending(f.tcp, fn.stream, fn.group)).toHaveLength(1);
    expect(await parked(fn.stream)).toEqual([]);
  });

  it("uses a backoff longer than the visibility timeout through the delayed set", async () => {
    const fn = f.fn({
      handle: async () => {
        throw new Error("down");
      },
      options: { ...options, backoff: { strategy: "fixed", baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 } },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ k: "v" }]);
    const now = Date.now();
    await run(fn);
    const [held] = await parked(fn.stream);
    expect(held!.dueAt - now).toBeGreaterThanOrEqual(3_600_000);
    expect(held!.dueAt - now).toBeLessThan(3_600_000 + 5_000);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it.each(["before", "after"] as const)("parks and acknowledges together or not at all when the commit's connection drops %s Redis runs it", async (when) => {
    const seen: Message[] = [];
    const fn = f.fn({
      handle: async (m) => {
        seen.push(m);
        if (m.attempt === 1) throw new RetryError("later", { delayMs: VT + 1 });
      },
      options,
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ k: "v" }]);
    // The commit that parks: its park is a script naming the delayed set (delayed.ts `delayCommand`).
    const isCommit = (ctx: { path: string; commands: readonly (readonly string[])[] }) => ctx.path === "/multi-exec" && ctx.commands.some((c) => c[0] === "EVAL" && c.includes(delayedKey(fn.stream)));
    const bridge = await faultyBridge(when === "before" ? { before: (ctx) => (isCommit(ctx) ? "drop" : undefined) } : { after: (ctx) => (isCommit(ctx) ? "drop" : undefined) });
    try {
      expect((await run(fn, bridge.transport)).stopReason).toBe("error");
    } finally {
      await bridge.close();
    }
    const pel = await pending(f.tcp, fn.stream, fn.group);
    const held = await parked(fn.stream);
    expect([pel.length, held.length]).toEqual(when === "before" ? [1, 0] : [0, 1]);
    // Either way it is handled again, once: from the PEL after the visibility timeout, or from the delayed set once due.
    await age(f.tcp, fn.stream, fn.group, VT);
    for (const p of held) await f.tcp.zAdd(delayedKey(fn.stream), { score: 0, value: p.id });
    await run(fn);
    expect(seen.map((m) => m.attempt)).toEqual(when === "before" ? [1, 2] : [1, 2]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    expect(await parked(fn.stream)).toEqual([]);
  });

  it("puts a message back on its stream when parking fails at run time, rather than losing it with its ack", async () => {
    const fn = f.fn({
      handle: async (m) => {
        if (m.attempt === 1) throw new RetryError("later", { delayMs: VT + 1 });
      },
      options,
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ k: "v" }]);
    // The payload hash is read by promotion only when something is due, so runs still start; the park's HSET fails.
    await f.tcp.set(delayedPayloadsKey(fn.stream), "not a hash");
    const r = await run(fn);
    expect(r.error).toMatch(/park failed: WRONGTYPE/);
    // Back for its own group only, with the delivery it had (reentry.ts).
    expect((await entries(f.tcp, fn.stream)).map((e) => e.message)).toEqual([{ k: "v" }, { k: "v", "cronsumer-replay-to": fn.group, "cronsumer-deliveries": "1" }]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
