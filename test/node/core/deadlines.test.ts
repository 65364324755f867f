import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/core/handle/deadlines.js";
import { Deadlines } from "../../../src/core/handle/deadlines.js";

/** A hand-driven clock: timers fire only when `advance` passes their time. */
function fakeClock() {
  let now = 0;
  let armed = 0;
  const timers = new Map<number, { at: number; fire(): void }>();
  let nextId = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout(fire, ms) {
      armed++;
      const id = nextId++;
      timers.set(id, { at: now + ms, fire });
      return id;
    },
    clearTimeout: (id) => void timers.delete(id as number),
  };
  return {
    clock,
    armed: () => armed,
    pending: () => timers.size,
    async advance(to: number) {
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fire();
        await Promise.resolve();
      }
      now = to;
      await Promise.resolve();
    },
  };
}

const never = () => new Promise<void>(() => {});
const settled = async <T>(p: Promise<T>) => {
  let out: T | "pending" = "pending";
  void p.then((v) => (out = v));
  await new Promise((r) => setImmediate(r));
  return out;
};

describe("a batch's handler timeouts", () => {
  it("time each attempt out `ms` after it started, not after the batch's first", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    const first = deadlines.race(never());
    await t.advance(30);
    const second = deadlines.race(never());
    await t.advance(99);
    expect(await settled(first)).toBe("pending");
    await t.advance(100);
    expect(await settled(first)).toBe("timeout");
    expect(await settled(second)).toBe("pending");
    await t.advance(129);
    expect(await settled(second)).toBe("pending");
    await t.advance(130);
    expect(await settled(second)).toBe("timeout");
    expect(t.pending()).toBe(0);
  });

  it("answer done for work that settles in time, and pass its error on", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    let finish!: () => void;
    const slow = deadlines.race(new Promise<void>((r) => (finish = r)));
    const failing = deadlines.race(Promise.reject(new Error("handler broke")));
    await expect(failing).rejects.toThrow("handler broke");
    await t.advance(50);
    finish();
    expect(await settled(slow)).toBe("done");
  });

  it("arm one timer for a batch of quick handlers, and leave none behind once closed", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    const results = await Promise.all(Array.from({ length: 100 }, () => deadlines.race(Promise.resolve())));
    expect(results.every((r) => r === "done")).toBe(true);
    expect(t.armed()).toBe(1);
    deadlines.close();
    expect(t.pending()).toBe(0);
  });

  it("time out, on one timer, the stuck attempts among many that started in the same millisecond, and only those", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    const races = Array.from({ length: 50 }, (_, i) => deadlines.race(i % 10 === 3 ? never() : Promise.resolve()));
    const broken = deadlines.race(Promise.reject(new Error("handler broke")));
    await expect(broken).rejects.toThrow("handler broke");
    await t.advance(99);
    expect((await Promise.all(races.map(settled))).filter((r) => r === "pending")).toHaveLength(5);
    await t.advance(100);
    const results: string[] = await Promise.all(races.map(settled));
    expect(results.map((r, i) => (i % 10 === 3 ? r === "timeout" : r === "done")).every(Boolean)).toBe(true);
    expect(t.armed()).toBe(1);
    expect(t.pending()).toBe(0);
  });

  it("arm one timer for quick handlers run one after another, as a lane runs them", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    for (let i = 0; i < 100; i++) expect(await deadlines.race(Promise.resolve())).toBe("done");
    expect(t.armed()).toBe(1);
    deadlines.close();
    expect(t.pending()).toBe(0);
  });

  it("time out an attempt that started after the timer was armed for an earlier, settled one", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    await deadlines.race(Promise.resolve());
    await t.advance(60);
    const stuck = deadlines.race(never());
    await t.advance(100);
    expect(await settled(stuck)).toBe("pending");
    await t.advance(159);
    expect(await settled(stuck)).toBe("pending");
    await t.advance(160);
    expect(await settled(stuck)).toBe("timeout");
  });

  it("keep timing the attempts still open after an earlier one settled", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    let finish!: () => void;
    const quick = deadlines.race(new Promise<void>((r) => (finish = r)));
    await t.advance(10);
    const stuck = deadlines.race(never());
    finish();
    expect(await settled(quick)).toBe("done");
    await t.advance(109);
    expect(await settled(stuck)).toBe("pending");
    await t.advance(110);
    expect(await settled(stuck)).toBe("timeout");
    expect(t.pending()).toBe(0);
  });

  it("move an extended attempt's deadline without holding up the attempts queued behind it", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    const extended = deadlines.track(never());
    const behind = deadlines.race(never());
    extended.extendTo(250);
    // A deadline moved earlier is ignored.
    extended.extendTo(50);
    await t.advance(100);
    expect(await settled(behind)).toBe("timeout");
    expect(await settled(extended.result)).toBe("pending");
    await t.advance(249);
    expect(await settled(extended.result)).toBe("pending");
    await t.advance(250);
    expect(await settled(extended.result)).toBe("timeout");
    expect(t.pending()).toBe(0);
  });

  it("end an attempt at once when told to (its message was lost), and clear an extended one's own timer when it settles or the batch closes", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    const lost = deadlines.track(never());
    lost.expire();
    expect(await settled(lost.result)).toBe("timeout");
    let finish!: () => void;
    const quick = deadlines.track(new Promise<void>((r) => (finish = r)));
    quick.extendTo(500);
    finish();
    expect(await settled(quick.result)).toBe("done");
    const open = deadlines.track(never());
    open.extendTo(900);
    deadlines.close();
    expect(t.pending()).toBe(0);
  });
});
