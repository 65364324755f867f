/**
 * Delayed messages on one clock: a relative delay is counted from the Redis
 * server's clock when it is written (an enqueue, a producer's send, a parked
 * retry), and promotion compares with that same clock. So a producer, an API
 * or a run whose clock is off never makes a message early.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { RetryError } from "../../../src/core/redis/errors.js";
import { delayedKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { createProducer } from "../../../src/producer/producer.js";
import { bridgeTransport, enqueue, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const MINUTE = 60_000;

afterEach(() => vi.restoreAllMocks());

async function redisNow(): Promise<number> {
  const [s, us] = (await f.tcp.sendCommand(["TIME"])) as [string, string];
  return Number(s) * 1_000 + Math.floor(Number(us) / 1_000);
}

function recorder(options: Record<string, unknown> = {}) {
  const seen: Message[] = [];
  const fn = f.fn({ handle: async (m) => void seen.push(m), options: { delays: true, ...options } });
  return { fn, seen };
}

/** Runs `work` with this process's clock `skewMs` off, as a producer on another machine would be. */
async function withClockOff<T>(skewMs: number, work: () => Promise<T>): Promise<T> {
  const real = Date.now.bind(Date);
  vi.spyOn(Date, "now").mockImplementation(() => real() + skewMs);
  try {
    return await work();
  } finally {
    vi.restoreAllMocks();
  }
}

describe("delays on the Redis clock", () => {
  it.each([
    ["without", undefined],
    ["with", "k-1"],
  ] as const)("a producer a minute behind sends %s an Idempotency-Key: due a delay after Redis's now, never early", async (_, idempotencyKey) => {
    const { fn, seen } = recorder();
    await f.createGroup(fn);
    const producer = createProducer({ transport });
    const before = await redisNow();
    await withClockOff(-MINUTE, () => producer.send(fn.stream, { a: "1" }, { delayMs: 5_000, ...(idempotencyKey ? { idempotencyKey } : {}) }));
    const [held] = (await f.tcp.zRangeWithScores(delayedKey(fn.stream), 0, -1)) as { value: string; score: number }[];
    expect(held!.score).toBeGreaterThanOrEqual(before + 5_000);
    expect(held!.score).toBeLessThan((await redisNow()) + 5_000 + 1);
    expect(await runFunction(fn, { transport, vars: {}, trigger: "cron" })).toMatchObject({ read: 0 });
    expect(seen).toEqual([]);
    if (idempotencyKey) await f.tcp.del(`cronsumer:idem:${fn.stream.length}:${fn.stream}:${idempotencyKey}`);
  });

  it("a run whose clock is a minute ahead promotes nothing before it is due", async () => {
    const { fn, seen } = recorder();
    await f.createGroup(fn);
    await createProducer({ transport }).send(fn.stream, { a: "1" }, { delayMs: 30_000 });
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron", now: () => Date.now() + MINUTE });
    expect(report).toMatchObject({ read: 0 });
    expect(seen).toEqual([]);
    expect(await f.tcp.zCard(delayedKey(fn.stream))).toBe(1);
  });

  it("a run whose clock is a minute behind parks a long retry for its delay on Redis's clock", async () => {
    const VT = 6_000;
    const seen: Message[] = [];
    const fn = f.fn({
      handle: async (m) => {
        seen.push(m);
        if (m.attempt === 1) throw new RetryError("later", { delayMs: VT + 4_000 });
      },
      options: { delays: true, visibilityTimeoutMs: VT, handlerTimeoutMs: 500 },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ a: "1" }]);
    const before = await redisNow();
    const behind = () => Date.now() - MINUTE;
    expect(await runFunction(fn, { transport, vars: {}, trigger: "cron", now: behind })).toMatchObject({ retried: 1 });
    const [held] = (await f.tcp.zRangeWithScores(delayedKey(fn.stream), 0, -1)) as { value: string; score: number }[];
    expect(held!.score).toBeGreaterThanOrEqual(before + VT + 4_000);
    await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(seen.map((m) => m.attempt)).toEqual([1]);
  });
});
