/**
 * Injected faults, and what the official client does with them. A drop before
 * Redis runs a write loses nothing; a drop after it leaves the write applied
 * while the client sees a failure, and a retrying client then writes twice.
 * How many requests a client makes per failure is a fact the engine relies on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomFaults, type Fault, type FaultContext } from "../../../src/dev/bridge/faults.js";
import { redisFixture } from "../../support/keys.js";
import { privateBridge, type PrivateBridge } from "./support.js";

const db = redisFixture();
const { newKey } = db;
let bridge: PrivateBridge;

/** Faults aimed at one key, so requests of other tests pass untouched. */
let target: { key: string; before?: Fault; after?: Fault; remaining: number } | undefined;
let seen = 0;
const hits = (ctx: FaultContext) => target !== undefined && ctx.commands.some((argv) => argv.includes(target!.key));

beforeAll(async () => {
  bridge = await privateBridge({
    faults: {
      before(ctx) {
        if (!hits(ctx)) return undefined;
        seen += 1;
        if (target!.remaining <= 0) return undefined;
        if (target!.before) target!.remaining -= 1;
        return target!.before;
      },
      after(ctx) {
        if (!hits(ctx) || !target!.after || target!.remaining <= 0) return undefined;
        target!.remaining -= 1;
        return target!.after;
      },
    },
  });
});
afterAll(() => bridge.close());

function aim(fault: { before?: Fault; after?: Fault; times?: number }): string {
  const key = newKey("fault");
  target = { key, before: fault.before, after: fault.after, remaining: fault.times ?? Infinity };
  seen = 0;
  return key;
}

describe("a drop before Redis runs the request", () => {
  it("fails the client and writes nothing", async () => {
    const key = aim({ before: "drop" });
    await expect(bridge.client({ retry: { retries: 0 } }).set(key, "v")).rejects.toThrow(/fetch failed/);
    expect(await db.tcp.exists(key)).toBe(0);
  });
});

describe("a drop after Redis ran the request", () => {
  it("fails the client, but the write is in Redis", async () => {
    const key = aim({ after: "drop" });
    await expect(bridge.client({ retry: { retries: 0 } }).set(key, "v")).rejects.toThrow(/fetch failed/);
    expect(await db.tcp.get(key)).toBe("v");
  });

  it("makes a retrying client write twice: XADD has two entries", async () => {
    const key = aim({ after: "drop", times: 1 });
    const redis = bridge.client({ retry: { retries: 1, backoff: () => 0 } });
    const id = await redis.xadd(key, "*", { n: "1" });
    expect(await db.tcp.xLen(key)).toBe(2);
    expect(seen).toBe(2);
    expect(typeof id).toBe("string");
  });
});

describe("an injected status", () => {
  it("answers that status as JSON, writes nothing, and the client does not retry it", async () => {
    const key = aim({ before: { status: 503 } });
    await expect(bridge.client().set(key, "v")).rejects.toThrow(/Injected fault: HTTP 503/);
    expect(seen).toBe(1);
    expect(await db.tcp.exists(key)).toBe(0);
  });
});

describe("requests the official client makes when the connection drops", () => {
  it.each([
    ["retry: { retries: 0 }", { retries: 0 }, 1],
    ["retry: false (its loop runs attempts + 1 times)", false as const, 2],
    ["retry: { retries: 2 }", { retries: 2, backoff: () => 0 }, 3],
  ])("%s reaches the bridge %i time(s)", async (_, retry, requests) => {
    const key = aim({ before: "drop" });
    await expect(bridge.client({ retry }).incr(key)).rejects.toThrow(/fetch failed/);
    expect(seen).toBe(requests);
    expect(await db.tcp.exists(key)).toBe(0);
  });
});

describe("randomFaults", () => {
  const draw = (rate: number, seed: number, n: number) => {
    const faults = randomFaults({ rate, seed });
    return Array.from({ length: n }, () => {
      const ctx: FaultContext = { path: "/", commands: [["PING"]] };
      const before = faults.before?.(ctx);
      const after = faults.after?.(ctx);
      return before === "drop" ? "drop-before" : before ? `status-${before.status}` : after ? "drop-after" : "none";
    });
  };

  it("repeats the same faults for the same seed, and others for another", () => {
    expect(draw(0.5, 42, 50)).toEqual(draw(0.5, 42, 50));
    expect(draw(0.5, 42, 50)).not.toEqual(draw(0.5, 43, 50));
  });

  it("never faults at rate 0, always at rate 1, with all three kinds", () => {
    expect(new Set(draw(0, 1, 200))).toEqual(new Set(["none"]));
    const all = draw(1, 1, 300);
    expect(new Set(all)).toEqual(new Set(["status-503", "drop-before", "drop-after"]));
    for (const kind of new Set(all)) expect(all.filter((k) => k === kind).length).toBeGreaterThan(60);
  });

  it("names a bad rate or seed", () => {
    expect(() => randomFaults({ rate: 2, seed: 1 })).toThrow(/`rate`/);
    expect(() => randomFaults({ rate: 0.1, seed: 1.5 })).toThrow(/`seed`/);
  });

  it("applies only the drops after running to Redis, on a real bridge", async () => {
    const seed = 7;
    const expected = draw(1, seed, 30);
    const faulty = await privateBridge({ faults: randomFaults({ rate: 1, seed }) });
    const key = newKey("random");
    const outcomes: string[] = [];
    try {
      const redis = faulty.client({ retry: { retries: 0 } });
      for (let i = 0; i < expected.length; i++) {
        outcomes.push(await redis.incr(key).then(() => "ok", (error: Error) => (/503/.test(error.message) ? "503" : "failed")));
      }
    } finally {
      await faulty.close();
    }
    expect(outcomes).toEqual(expected.map((kind) => (kind === "status-503" ? "503" : "failed")));
    expect(Number(await db.tcp.get(key))).toBe(expected.filter((kind) => kind === "drop-after").length);
  });
});
