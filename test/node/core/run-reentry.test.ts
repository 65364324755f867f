/**
 * Messages that go back to their stream as new entries (reentry.ts): a
 * parked long retry when it is promoted, and a message whose park or
 * dead-letter move failed after its XACK. Each belongs to the group that
 * handled it, and keeps counting its deliveries: the stream's other groups
 * never get it again, and `maxDeliveries` still ends it.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { RetryError } from "../../../src/core/redis/errors.js";
import { delayedKey, rescuedKey } from "../../../src/core/redis/keys.js";
import { replayFields } from "../../../src/core/dead-letters/replay-target.js";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue, entries, faultyBridge, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0], t = transport) => runFunction(fn, { transport: t, vars: {}, trigger: "cron" });
const VT = 6_000;

/** Two functions, groups `a` and `b`, on one stream; `a` retries each message once, later than the visibility timeout. */
function twoGroups(options: Record<string, unknown> = {}) {
  const seenA: Message[] = [];
  const seenB: Message[] = [];
  const a = f.fn({
    group: "a",
    handle: async (m) => {
      seenA.push(m);
      if (m.attempt === 1) throw new RetryError("later", { delayMs: VT + 1_000 });
    },
    options: { delays: true, visibilityTimeoutMs: VT, handlerTimeoutMs: 500, ...options },
  });
  const b = f.fn({ group: "b", stream: a.stream, handle: async (m) => void seenB.push(m), options: { delays: true, deadLetterStream: a.options.deadLetterStream! } });
  return { a, b, seenA, seenB };
}

const makeDue = async (stream: string) => {
  for (const id of await f.tcp.zRange(delayedKey(stream), 0, -1)) await f.tcp.zAdd(delayedKey(stream), { score: 0, value: id });
};

describe("a promoted long retry", () => {
  it("goes back only to the group that parked it", async () => {
    const { a, b, seenA, seenB } = twoGroups();
    await f.createGroup(a);
    await f.createGroup(b);
    await enqueue(f.tcp, a.stream, [{ order: "o1" }]);
    await run(b);
    expect(await run(a)).toMatchObject({ retried: 1 });
    await makeDue(a.stream);
    // b's run promotes it (any group's run does) and must leave it to a.
    const bAgain = await run(b);
    expect(bAgain).toMatchObject({ read: 0, skippedReplays: 1 });
    expect(await run(a)).toMatchObject({ read: 1, acked: 1 });
    expect(seenB.map((m) => m.fields)).toEqual([{ order: "o1" }]);
    expect(seenA.map((m) => [m.fields, m.attempt])).toEqual([
      [{ order: "o1" }, 1],
      [{ order: "o1" }, 2],
    ]);
    expect(await pending(f.tcp, a.stream, "a")).toEqual([]);
    expect(await pending(f.tcp, a.stream, "b")).toEqual([]);
  });

  it("keeps a replay's one target group across the park", async () => {
    const { a, b, seenA, seenB } = twoGroups();
    await f.createGroup(a);
    await f.createGroup(b);
    // A dead letter replayed to group a only, as the replay route writes it.
    await enqueue(f.tcp, a.stream, [replayFields({ order: "r1" }, { dlq: a.options.deadLetterStream!, id: "1-1" }, "a")]);
    await run(b);
    expect(await run(a)).toMatchObject({ retried: 1 });
    await makeDue(a.stream);
    await run(b);
    await run(a);
    expect(seenB).toEqual([]);
    expect(seenA.map((m) => [m.fields, m.attempt])).toEqual([
      [{ order: "r1" }, 1],
      [{ order: "r1" }, 2],
    ]);
  });

  it("is promoted exactly once when the promotion's answer is lost after Redis ran it", async () => {
    const { a, b, seenA, seenB } = twoGroups();
    await f.createGroup(a);
    await f.createGroup(b);
    await enqueue(f.tcp, a.stream, [{ order: "o2" }]);
    await run(b);
    await run(a);
    await makeDue(a.stream);
    const cut = await faultyBridge({ after: (ctx) => (ctx.commands.some((c) => c[0] === "EVAL") ? "drop" : undefined) });
    expect(await run(b, cut.transport)).toMatchObject({ stopReason: "error" });
    await cut.close();
    await run(b);
    await run(a);
    await run(a);
    expect(seenB).toHaveLength(1);
    expect(seenA.map((m) => m.attempt)).toEqual([1, 2]);
    expect((await entries(f.tcp, a.stream)).length).toBe(2);
    expect(await f.tcp.zCard(delayedKey(a.stream))).toBe(0);
  });
});

describe("a message rescued after a failed move", () => {
  it("keeps its deliveries and its group when its dead-letter XADD failed, and dead-letters without a new attempt", async () => {
    const attempts: number[] = [];
    const a = f.fn({
      group: "a",
      handle: async (m) => {
        attempts.push(m.attempt);
        throw new Error("poison");
      },
      options: { maxDeliveries: 1 },
    });
    const seenB: Message[] = [];
    const b = f.fn({ group: "b", stream: a.stream, handle: async (m) => void seenB.push(m), options: { deadLetterStream: a.options.deadLetterStream! } });
    await f.createGroup(a);
    await f.createGroup(b);
    const dlq = a.options.deadLetterStream!;
    await f.tcp.set(dlq, "not a stream");
    await enqueue(f.tcp, a.stream, [{ order: "p" }]);
    await run(b);
    // Attempt 1, then the dead-letter move fails: rescued, and again on each run.
    for (let i = 0; i < 3; i++) expect((await run(a)).error).toMatch(/put back on their source stream/);
    expect(attempts).toEqual([1]);
    const back = (await entries(f.tcp, a.stream)).at(-1)!.message;
    expect(back).toEqual({ order: "p", "cronsumer-replay-to": "a", "cronsumer-deliveries": "1" });
    await run(b);
    expect(seenB).toHaveLength(1);

    await f.tcp.del(dlq);
    await run(a);
    expect(attempts).toEqual([1]);
    const dead = await entries(f.tcp, dlq);
    expect(dead.map((d) => [JSON.parse(d.message.fields!), d.message.deliveries])).toEqual([[{ order: "p" }, "1"]]);
    expect(await pending(f.tcp, a.stream, "a")).toEqual([]);
    expect(await pending(f.tcp, a.stream, "b")).toEqual([]);
  });

  it.each(["before", "after"] as const)("is put back exactly once when the put-back's connection drops %s Redis ran it, and dead-lettered once later", async (when) => {
    const attempts: number[] = [];
    const a = f.fn({
      group: "a",
      handle: async (m) => {
        attempts.push(m.attempt);
        throw new Error("poison");
      },
      options: { maxDeliveries: 1 },
    });
    await f.createGroup(a);
    const dlq = a.options.deadLetterStream!;
    await f.tcp.set(dlq, "not a stream");
    const [id] = await enqueue(f.tcp, a.stream, [{ order: "r" }]);
    let drops = 0;
    const isPutBack = (ctx: { path: string; commands: readonly (readonly string[])[] }) => ctx.path === "/pipeline" && ctx.commands.some((c) => c[0] === "EVAL" && c.includes(a.stream)) && drops++ === 0;
    const cut = await faultyBridge(when === "before" ? { before: (ctx) => (isPutBack(ctx) ? "drop" : undefined) } : { after: (ctx) => (isPutBack(ctx) ? "drop" : undefined) });
    try {
      expect((await run(a, cut.transport)).error).toMatch(/1 dead letter\(s\) put back on their source stream/);
    } finally {
      await cut.close();
    }
    expect(drops).toBeGreaterThan(1);
    const back = (await entries(f.tcp, a.stream)).filter((e) => e.id !== id);
    expect(back.map((e) => e.message)).toEqual([{ order: "r", "cronsumer-replay-to": "a", "cronsumer-deliveries": "1" }]);
    await f.tcp.del(dlq);
    await run(a);
    await run(a);
    expect(attempts).toEqual([1]);
    expect((await entries(f.tcp, dlq)).map((d) => d.message.deliveries)).toEqual(["1"]);
    expect(await pending(f.tcp, a.stream, "a")).toEqual([]);
    await f.tcp.del(rescuedKey(a.stream, "a", id!));
  });

  it("keeps counting when its park into the delayed set failed, and dead-letters at maxDeliveries", async () => {
    const attempts: number[] = [];
    const a = f.fn({
      group: "a",
      handle: async (m) => {
        attempts.push(m.attempt);
        throw new RetryError("later", { delayMs: VT + 1_000 });
      },
      options: { delays: true, maxDeliveries: 3, visibilityTimeoutMs: VT, handlerTimeoutMs: 500 },
    });
    const seenB: Message[] = [];
    const b = f.fn({ group: "b", stream: a.stream, handle: async (m) => void seenB.push(m), options: { delays: true, deadLetterStream: a.options.deadLetterStream! } });
    await f.createGroup(a);
    await f.createGroup(b);
    // ZADD fails with WRONGTYPE inside the commit, after its XACK.
    await f.tcp.set(delayedKey(a.stream), "not a sorted set");
    await enqueue(f.tcp, a.stream, [{ order: "q" }]);
    await run(b);
    for (let i = 0; i < 4; i++) await run(a);
    // Promotion fails too (the set is broken), so b's runs read plainly.
    await run(b);
    expect(attempts).toEqual([1, 2, 3]);
    expect(seenB).toHaveLength(1);
    const dead = await entries(f.tcp, a.options.deadLetterStream!);
    expect(dead.map((d) => d.message.deliveries)).toEqual(["3"]);
  });
});
