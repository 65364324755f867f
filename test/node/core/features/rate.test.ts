import { describe, expect, it } from "vitest";
import { rate } from "../../../../src/core/features/run/rate.js";
import { emptyFetch } from "../../../../src/core/handle/fetched.js";
import { message, scope } from "./scope.js";

const granted = (f: NonNullable<ReturnType<typeof rate>>, window: number, n: number, count: number, slowUntil = 0) =>
  f.first!().ride!.replies!([
    { ok: true, value: { window, n, count } },
    { ok: true, value: 1 },
    { ok: true, value: slowUntil },
  ]);

describe("the rate-limit feature", () => {
  const periodMs = 1_000;
  it("reads only the gates first, and fetches no more than it holds tokens for", () => {
    const s = scope({ batchSize: 10 }, 5 * periodMs);
    const f = rate(s, { limit: 6, periodMs })!;
    expect(f.first!().gatesOnly).toBe(true);
    granted(f, 5, 10, 10);
    expect(f.next!("read", 10)).toEqual({ size: 6 });
  });

  it("waits for the next window once the grant is spent", () => {
    const s = scope({ batchSize: 10 }, 5 * periodMs + 200);
    const f = rate(s, { limit: 3, periodMs })!;
    granted(f, 5, 10, 10);
    expect(f.next!("read", 10)).toEqual({ size: 3 });
    expect(f.next!("read", 10)).toEqual({ waitMs: 800, reason: "rateLimit" });
    expect(f.ride!("wait")).toBeUndefined();
    expect(f.ride!("waited")!.ops.map((o) => o.command[0])).toEqual(["INCRBY", "PEXPIRE", "GET"]);
  });

  it("gives back, in the last request, tokens a short read did not use and reservations not granted", () => {
    const s = scope({ batchSize: 10 }, 5 * periodMs);
    const f = rate(s, { limit: 10, periodMs })!;
    granted(f, 5, 10, 10);
    expect(f.next!("read", 10)).toEqual({ size: 10 });
    f.ride!("read")!.replies!([
      { ok: true, value: { window: 5, n: 10, count: 20 } },
      { ok: true, value: 1 },
      { ok: true, value: 0 },
    ]);
    f.fetched!("read", { ...emptyFetch(), toHandle: [message("1-0"), message("2-0")] }, 10);
    // 8 of the 10 taken were not found, and the second reservation's 10 were counted but not granted.
    expect(f.ride!("last")!.ops.map((o) => o.command)).toEqual([["DECRBY", "{s}:cronsumer-rate:g:5", 18]]);
  });

  it("takes nothing while a handler's slow-down lasts", () => {
    const s = scope({ batchSize: 10 }, 5 * periodMs);
    const f = rate(s, { limit: 10, periodMs })!;
    granted(f, 5, 10, 10);
    f.slowDown!(300);
    expect(f.next!("read", 10)).toEqual({ waitMs: 300, reason: "rateLimit" });
  });

  it("never spends a past window's tokens in the next one", () => {
    const s = scope({ batchSize: 10 }, 5 * periodMs + 900);
    const f = rate(s, { limit: 10, periodMs })!;
    granted(f, 5, 10, 10);
    s.clock.now = 6 * periodMs + 10;
    expect(f.next!("read", 10)).toEqual({ waitMs: 0, reason: "rateLimit" });
  });
});
