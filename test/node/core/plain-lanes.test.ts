import { describe, expect, it } from "vitest";
import type { BatchOptions, Outcome } from "../../../src/core/handle/attempt-context.js";
import { SubrequestBudget } from "../../../src/core/handle/budget.js";
import { plainLanes } from "../../../src/core/handle/plain-lanes.js";
import type { HandlerContext, Message } from "../../../src/core/define/define.js";
import { fakeClock, never, settled } from "./fake-clock.js";

type Handler = (m: Message, ctx: HandlerContext) => Promise<void>;

const message = (i: number): Message => {
  const fields = { n: String(i) };
  return { id: `1-${i}`, stream: "s", group: "g", fields, attempt: 1, data: fields, body: fields, headers: {} };
};

function options(handle: Handler, concurrency: number): BatchOptions {
  return {
    concurrency,
    handlerTimeoutMs: 100,
    maxDeliveries: 5,
    budget: new SubrequestBudget(50, () => 0),
    reservedSubrequests: 1,
    env: {},
    fetch,
    transport: { pipeline: async () => [], transaction: async () => [] },
    fn: { handle },
  };
}

/** Each message's handler: by index, a promise to settle by hand, or one that never does. */
function handlers(n: number, stuck: (i: number) => boolean) {
  const finish: (() => void)[] = [];
  const contexts: HandlerContext[] = [];
  const handle: Handler = (m, ctx) => {
    const i = Number(m.fields.n);
    contexts[i] = ctx;
    return stuck(i) ? never() : new Promise<void>((r) => (finish[i] = r));
  };
  return { handle, finish: (i: number) => finish[i]!(), contexts, messages: Array.from({ length: n }, (_, i) => message(i)) };
}

/** Lets the lanes run what a settled handler unblocked, before the clock moves on. */
const flush = () => settled(Promise.resolve());
const done = async (batch: Promise<Outcome[]>) => {
  const got = await settled(batch);
  if (got === "pending") throw new Error("the batch is still pending");
  return got;
};
const kinds = (outcomes: Outcome[]) => outcomes.map((o) => (o.ok ? "ok" : o.error));

describe("plain lanes: each attempt awaited in its lane, overruns given up on one timer", () => {
  it("time each attempt out `ms` after it started, not after the batch's first, and fire its signal", async () => {
    const t = fakeClock();
    // Two lanes: 0 never settles; 1 settles at 30, and its lane then starts 2, which never settles.
    const h = handlers(3, (i) => i !== 1);
    const batch = plainLanes(h.messages, options(h.handle, 2), t.clock);
    await t.advance(30);
    h.finish(1);
    await flush();
    await t.advance(99);
    expect(h.contexts[0]!.signal.aborted).toBe(false);
    await t.advance(100);
    expect(h.contexts[0]!.signal.aborted).toBe(true);
    expect(h.contexts[2]!.signal.aborted).toBe(false);
    expect(await settled(batch)).toBe("pending");
    await t.advance(129);
    expect(h.contexts[2]!.signal.aborted).toBe(false);
    await t.advance(130);
    expect(kinds(await done(batch))).toEqual(["handler timed out after 100 ms", "ok", "handler timed out after 100 ms"]);
    expect(t.pending()).toBe(0);
  });

  it("keep the earlier deadline of a running lane when a lane started in a given-up one's place has a later one", async () => {
    const t = fakeClock();
    // Lane 1 runs 0 (stuck, due 100); lane 2 runs 1 until 30, then 2 (stuck, due 130); at 100, 3 starts in 0's place (due 200).
    const h = handlers(4, (i) => i === 0 || i === 2);
    const batch = plainLanes(h.messages, options(h.handle, 2), t.clock);
    await t.advance(30);
    h.finish(1);
    await flush();
    await t.advance(100);
    expect(h.contexts[3]).toBeDefined();
    await t.advance(130);
    expect(h.contexts[2]!.signal.aborted).toBe(true);
    expect(h.contexts[3]!.signal.aborted).toBe(false);
    h.finish(3);
    expect(kinds(await done(batch))).toEqual(["handler timed out after 100 ms", "ok", "handler timed out after 100 ms", "ok"]);
    expect(t.pending()).toBe(0);
  });

  it("arm one timer for a batch of quick handlers, and leave none behind", async () => {
    const t = fakeClock();
    const outcomes = await plainLanes(Array.from({ length: 100 }, (_, i) => message(i)), options(async () => {}, 10), t.clock);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(t.armed()).toBe(1);
    expect(t.pending()).toBe(0);
  });

  it("time out, on one timer, the stuck attempts among many started together, and only those", async () => {
    const t = fakeClock();
    const h = handlers(50, (i) => i % 10 === 3);
    const batch = plainLanes(h.messages, options(h.handle, 50), t.clock);
    for (let i = 0; i < 50; i++) if (i % 10 !== 3) h.finish(i);
    await t.advance(99);
    expect(await settled(batch)).toBe("pending");
    await t.advance(100);
    const outcomes = await done(batch);
    expect(kinds(outcomes)).toEqual(h.messages.map((_, i) => (i % 10 === 3 ? "handler timed out after 100 ms" : "ok")));
    expect(t.armed()).toBe(1);
    expect(t.pending()).toBe(0);
  });

  it("start a lane in the place of one given up, so the messages behind a stuck one are still handled", async () => {
    const t = fakeClock();
    const h = handlers(3, (i) => i === 0);
    const batch = plainLanes(h.messages, options(h.handle, 1), t.clock);
    await t.advance(100);
    // Message 1 started when 0 was given up, at 100: it has until 200.
    expect(h.contexts[1]!.signal.aborted).toBe(false);
    h.finish(1);
    await t.advance(150);
    h.finish(2);
    expect(kinds(await done(batch))).toEqual(["handler timed out after 100 ms", "ok", "ok"]);
    expect(t.pending()).toBe(0);
  });

  it("keep nothing a given-up attempt writes, even once its handler returns", async () => {
    const t = fakeClock();
    let late!: () => void;
    const refused: unknown[] = [];
    const handle: Handler = async (_m, ctx) => {
      await new Promise<void>((r) => (late = r));
      try {
        ctx.effects.xadd("out", { late: "1" });
      } catch (error) {
        refused.push(error);
      }
    };
    const batch = plainLanes([message(0)], options(handle, 1), t.clock);
    await t.advance(100);
    const outcomes = await done(batch);
    late();
    await flush();
    expect(kinds(outcomes)).toEqual(["handler timed out after 100 ms"]);
    expect(refused).toHaveLength(1);
  });

  it("time out an attempt that started after the timer was armed for an earlier, settled one", async () => {
    const t = fakeClock();
    const h = handlers(2, (i) => i === 1);
    const batch = plainLanes(h.messages, options(h.handle, 1), t.clock);
    await t.advance(60);
    h.finish(0);
    await flush();
    await t.advance(100);
    await t.advance(159);
    expect(h.contexts[1]!.signal.aborted).toBe(false);
    await t.advance(160);
    expect(kinds(await done(batch))).toEqual(["ok", "handler timed out after 100 ms"]);
    expect(t.armed()).toBe(2);
  });

  it("fail a message whose handler throws, at once or later, and go on with the next", async () => {
    const t = fakeClock();
    const handle: Handler = (m) => {
      if (m.fields.n === "0") throw new Error("thrown at once");
      if (m.fields.n === "1") return Promise.reject(new Error("rejected"));
      return Promise.resolve();
    };
    const outcomes = await plainLanes([message(0), message(1), message(2)], options(handle, 1), t.clock);
    expect(kinds(outcomes)).toEqual(["thrown at once", "rejected", "ok"]);
    expect(t.pending()).toBe(0);
  });

  it("answer at once for no messages", async () => {
    const t = fakeClock();
    expect(await plainLanes([], options(async () => {}, 10), t.clock)).toEqual([]);
    expect(t.armed()).toBe(0);
  });

  it("records a thrown value that cannot be made a string as a failure, and goes on with the batch", async () => {
    const t = fakeClock();
    const seen: number[] = [];
    const handle: Handler = async (m) => {
      seen.push(Number(m.fields.n));
      if (m.fields.n === "0") throw Object.create(null);
    };
    const outcomes = await done(plainLanes([message(0), message(1)], options(handle, 1), t.clock));
    expect(kinds(outcomes)).toEqual(["a thrown object that cannot be shown as text", "ok"]);
    expect(seen).toEqual([0, 1]);
    expect(t.pending()).toBe(0);
  });

  it("when the lanes' own code throws, fails the batch with it, clears its timer and starts nothing more", async () => {
    const t = fakeClock();
    const seen: number[] = [];
    const handle: Handler = async (m) => void seen.push(Number(m.fields.n));
    // A message the lane cannot read: its attempt count throws before any handler is called.
    const unreadable = Object.defineProperty(message(1), "attempt", { get: () => { throw new Error("unreadable attempt"); } });
    const batch = plainLanes([message(0), unreadable, message(2)], options(handle, 1), t.clock);
    await expect(batch).rejects.toThrow("unreadable attempt");
    await t.advance(1_000);
    expect(seen).toEqual([0]);
    expect(t.pending()).toBe(0);
  });
});
