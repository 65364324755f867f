/**
 * An invocation's budgets shared by need (core/run/share.ts): plain values
 * for the arithmetic, then a real cron tick on Redis where one busy
 * function beside two idle ones gets what they did not use.
 */
import { describe, expect, it } from "vitest";
import { coalescingTransport } from "../../../src/core/redis/coalescing-transport.js";
import { countingTransport } from "../../../src/core/redis/counting-transport.js";
import type { RunReport } from "../../../src/core/features/report.js";
import { InvocationShare } from "../../../src/core/run/share.js";
import { runScheduled } from "../../../src/functions/scheduled.js";
import { age, bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

describe("InvocationShare", () => {
  it("gives each run its own use plus an even part of what is free, and never more than the pool between them", () => {
    const share = new InvocationShare(50, 10);
    const a = { subrequests: 1, messages: 0 };
    const b = { subrequests: 1, messages: 0 };
    const seatA = share.join(() => a);
    const seatB = share.join(() => b);
    expect(seatA.allowance().maxSubrequests).toBe(1 + 24);
    expect(seatB.allowance().maxSubrequests).toBe(1 + 24);
    a.subrequests = 10;
    expect(seatA.allowance().maxSubrequests + seatB.allowance().maxSubrequests - a.subrequests - b.subrequests).toBeLessThanOrEqual(50 - 11);
  });

  it("holds each run's least for one batch until it plans its first, however late it joins", () => {
    const least = { subrequests: 2, cpuUs: 2_110 };
    const share = new InvocationShare(50, 10, { subrequests: 8, cpuUs: 4 * 2_110 });
    const spent = [0, 1, 2, 3].map(() => ({ subrequests: 0, messages: 0 }));
    const seats = spent.map((s) => share.join(() => s, least));
    for (const [i, seat] of seats.slice(0, 3).entries()) {
      seat.planned();
      spent[i]!.subrequests = 1; // its first read went out before the last run joined
    }
    expect(seats[3]!.allowance().maxCpuMs * 1_000).toBeGreaterThanOrEqual(2_110);
    // Once it planned a read, it holds what it spent, like every other run.
    seats[3]!.planned();
    expect(seats[3]!.allowance().maxCpuMs * 1_000).toBeLessThan(2_110);
  });

  it("hands an idle run's unused part to the runs still going once it leaves, keeping what it spent", () => {
    const share = new InvocationShare(50, 10);
    const busy = share.join(() => ({ subrequests: 1, messages: 10 }));
    const idle = share.join(() => ({ subrequests: 1, messages: 0 }));
    const before = busy.allowance();
    idle.leave();
    const after = busy.allowance();
    expect(after.maxSubrequests).toBe(1 + 48);
    expect(after.maxSubrequests).toBeGreaterThan(before.maxSubrequests);
    expect(after.maxCpuMs).toBeGreaterThan(before.maxCpuMs);
    // The idle run's 0.5 ms of run overhead and 0.8 ms request stay spent.
    expect(after.maxCpuMs).toBeCloseTo(10 - 1.3, 5);
  });
});

describe("a cron tick of one busy function and two idle ones", () => {
  const f = useFixture();
  it("takes the budgets the idle ones did not use: at batch 50 on Free defaults, at most 1.5 requests per 50 messages", async () => {
    const busy = f.fn({ handle: async () => {}, options: { batchSize: 50, concurrency: 50, handlerTimeoutMs: 5_000 } });
    const idle = [1, 2].map(() => f.fn({ handle: async () => {} }));
    const fns = [busy, ...idle];
    for (const fn of fns) await f.createGroup(fn);
    await enqueue(f.tcp, busy.stream, Array.from({ length: 1_000 }, (_, i) => ({ n: String(i) })));
    let acked = 0;
    let firstTick = 0;
    const counted = countingTransport(bridgeTransport());
    for (let tick = 0; tick < 20 && acked < 1_000; tick++) {
      const reports = (await runScheduled(fns, "* * * * *", Date.now(), { WAKE_ON_ENQUEUE: "false" }, coalescingTransport(counted, { maxRequestBytes: 8 << 20 }))) as RunReport[];
      const mine = reports.find((r) => r.function === busy.name)!;
      if (tick === 0) firstTick = mine.acked;
      acked += mine.acked;
    }
    expect(acked).toBe(1_000);
    // An even split (a third of 10 ms each) stopped the busy run at about 125 messages a tick.
    expect(firstTick).toBeGreaterThan(200);
    expect(counted.requests / acked).toBeLessThanOrEqual(1.5 / 50);
  }, 60_000);

  // Found by the merged-mode property tests (test/property/invocation.ts): runs join the share one after another,
  // and each early one's first request was spent before the last joined, so the last one's even part of what was
  // left never covered one batch: the fourth function on a Free cron read nothing, every tick.
  it("lets every one of four busy functions on a Free cron read in each tick, the last one started too", async () => {
    const fns = Array.from({ length: 4 }, () => f.fn({ handle: async () => {} }));
    for (const fn of fns) await f.createGroup(fn);
    for (const fn of fns) await enqueue(f.tcp, fn.stream, Array.from({ length: 5 }, (_, i) => ({ n: String(i) })));
    const reports = (await runScheduled(fns, "* * * * *", Date.now(), { WAKE_ON_ENQUEUE: "false" }, coalescingTransport(bridgeTransport(), { maxRequestBytes: 8 << 20 }))) as RunReport[];
    expect(reports.map((r) => [r.function, r.acked > 0, r.error])).toEqual(fns.map((fn) => [fn.name, true, undefined]));
  });

  // Found by the merged-mode property tests too: a run that must reclaim needs a request more than its first batch, and
  // planned it while the idle runs beside it still held their parts of the same merged reply; it ended, every tick.
  it("recovers the failed messages of two of four functions on a Free cron: the recovering runs wait for the idle ones to leave", async () => {
    const calls = new Map<string, number>();
    const failing = [0, 1].map(() =>
      f.fn({
        handle: async (m) => {
          calls.set(m.stream, (calls.get(m.stream) ?? 0) + 1);
          if (calls.get(m.stream) === 1) throw new Error("fails once");
        },
        // Due after the tick's session has ended (maxRunMs 25 s), so the next tick's run must reclaim it.
        options: { backoff: { strategy: "fixed", baseDelayMs: 40_000, maxDelayMs: 40_000 } },
      }),
    );
    const fns = [...failing, ...[0, 1].map(() => f.fn({ handle: async () => {} }))];
    for (const fn of fns) await f.createGroup(fn);
    for (const fn of failing) await enqueue(f.tcp, fn.stream, [{ n: "1" }]);
    const tick = async () => (await runScheduled(fns, "* * * * *", Date.now(), { WAKE_ON_ENQUEUE: "false" }, coalescingTransport(bridgeTransport(), { maxRequestBytes: 8 << 20 }))) as RunReport[];
    await tick();
    expect([...calls.values()]).toEqual([1, 1]);
    // Their retries are due: the entries have been idle past the visibility timeout.
    for (const fn of failing) await age(f.tcp, fn.stream, fn.group, 10 * 60_000);
    const reports = await tick();
    expect(failing.map((fn) => reports.find((r) => r.function === fn.name)!.reclaimed)).toEqual([1, 1]);
    expect([...calls.values()]).toEqual([2, 2]);
    for (const fn of failing) expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("falls back to the even split when the pool cannot hold one batch of every function, so ten on a Free cron are refused loudly, not starved quietly", async () => {
    const fns = Array.from({ length: 10 }, () => f.fn({ handle: async () => {} }));
    for (const fn of fns) await f.createGroup(fn);
    const reports = (await runScheduled(fns, "* * * * *", Date.now(), { WAKE_ON_ENQUEUE: "false" }, bridgeTransport())) as RunReport[];
    expect(reports.map((r) => r.stopReason)).toEqual(Array(10).fill("error"));
    expect(reports.every((r) => /`maxCpuMs` \(1\) must leave room for one read, one commit, one message and a recovery claim/.test(r.error ?? ""))).toBe(true);
  });
});
