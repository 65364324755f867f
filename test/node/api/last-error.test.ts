/**
 * A failed attempt leaves a trace an operator can find: a JSON log line, a
 * sample in the run report, and its error on the pending entry the API
 * lists, until the message is acknowledged or dead-lettered. The happy path
 * pays nothing for it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ATTEMPT_ERRORS_TTL_MS, FAILURES_KEPT } from "../../../src/core/handle/attempt-errors.js";
import { PermanentError } from "../../../src/core/redis/errors.js";
import { attemptErrorsKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import type { Command, Transport } from "../../../src/core/redis/transport.js";
import { age, bridgeTransport, enqueue } from "../../support/engine.js";
import { call, useApiFixture } from "./support.js";

const { f, setup } = useApiFixture();
const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0], t: Transport = transport) => runFunction(fn, { transport: t, vars: {}, trigger: "cron" });
const NO_DELAY = { backoff: { strategy: "fixed" as const, baseDelayMs: 0, maxDelayMs: 0 } };

/** Every command sent, to see which keys a run touched. */
function recording(): { t: Transport; sent: Command[] } {
  const sent: Command[] = [];
  return {
    sent,
    t: {
      pipeline: (commands) => (sent.push(...commands), transport.pipeline(commands)),
      transaction: (commands) => (sent.push(...commands), transport.transaction(commands)),
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe("a failed attempt's trace", () => {
  it("shows on the pending entry through the API, follows each attempt, and is cleared once the message is acknowledged", async () => {
    const { fn, api, s } = setup({
      handle: async (m) => {
        if (m.attempt < 3) throw new Error(`provider down (attempt ${m.attempt})`);
      },
      options: NO_DELAY,
    });
    await f.createGroup(fn);
    const [id, ok] = await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2" }]);
    const key = attemptErrorsKey(fn.stream, fn.group);
    const listed = async () => (await call(api, `${s}/groups/g/pending`)).body.entries as { id: string; lastError: unknown }[];

    const before = Date.now();
    expect(await run(fn)).toMatchObject({ retried: 2, failures: [{ id, attempt: 1, error: "provider down (attempt 1)" }, { id: ok, attempt: 1 }] });
    const first = await listed();
    expect(first.map((e) => e.id)).toEqual([id, ok]);
    expect(first[0]!.lastError).toEqual({ attempt: 1, error: "provider down (attempt 1)", at: expect.any(String) });
    expect(Date.parse((first[0]!.lastError as { at: string }).at)).toBeGreaterThanOrEqual(before - 1_000);
    // Bounded in time: renewed on each write, gone a week after the last failure.
    const ttl = await f.tcp.pTTL(key);
    expect(ttl).toBeGreaterThan(ATTEMPT_ERRORS_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(ATTEMPT_ERRORS_TTL_MS);

    await age(f.tcp, fn.stream, fn.group, 120_000);
    await run(fn);
    expect((await listed()).map((e) => e.lastError)).toEqual([
      expect.objectContaining({ attempt: 2, error: "provider down (attempt 2)" }),
      expect.objectContaining({ attempt: 2 }),
    ]);

    await age(f.tcp, fn.stream, fn.group, 120_000);
    expect(await run(fn)).toMatchObject({ reclaimed: 2, acked: 2, failures: [] });
    expect(await listed()).toEqual([]);
    expect(await f.tcp.exists(key)).toBe(0);
  });

  it("is cleared when the message is dead-lettered, where the dead letter carries the error", async () => {
    const { fn, api, s } = setup({
      handle: async (m) => {
        throw m.attempt === 1 ? new Error("timeout talking to the provider") : new PermanentError("card declined");
      },
      options: NO_DELAY,
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ n: "1" }]);
    await run(fn);
    expect(await f.tcp.hLen(attemptErrorsKey(fn.stream, fn.group))).toBe(1);
    await age(f.tcp, fn.stream, fn.group, 120_000);
    expect(await run(fn)).toMatchObject({ deadLettered: 1 });
    expect(await f.tcp.exists(attemptErrorsKey(fn.stream, fn.group))).toBe(0);
    expect((await call(api, `${s}/groups/g/pending`)).body.entries).toEqual([]);
  });

  it("logs one JSON line per failed attempt, naming the function, stream, group, message, attempt and error", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { fn } = setup({
      handle: async (m) => {
        if (m.fields.n === "bad") throw new Error("no such customer");
      },
    });
    await f.createGroup(fn);
    const [, bad] = await enqueue(f.tcp, fn.stream, [{ n: "good" }, { n: "bad" }]);
    await run(fn);
    const lines = warn.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>).filter((l) => l.function === fn.name);
    expect(lines).toEqual([
      { event: "cronsumer.attempt_failed", function: fn.name, stream: fn.stream, group: "g", id: bad, attempt: 1, permanent: false, error: "no such customer" },
    ]);
  });

  it("keeps at most FAILURES_KEPT failures in the stored run report", async () => {
    const { fn } = setup({
      handle: async () => {
        throw new Error("down");
      },
      options: { batchSize: 20, concurrency: 20 },
    });
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, Array.from({ length: 15 }, (_, i) => ({ n: String(i) })));
    expect(await run(fn)).toMatchObject({ retried: 15 });
    const [stored] = (await f.tcp.lRange(`cronsumer:runs:${fn.name}`, 0, 0)).map((x) => JSON.parse(x));
    expect(stored.failures).toHaveLength(FAILURES_KEPT);
    expect(stored.failures[0]).toEqual({ id: expect.any(String), attempt: 1, error: "down" });
  });

  it("costs nothing on the happy path: first deliveries that succeed never touch the errors hash", async () => {
    const { fn } = setup({ handle: async () => {} });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2" }, { n: "3" }]);
    const { t, sent } = recording();
    expect(await run(fn, t)).toMatchObject({ acked: 3 });
    expect(sent.filter((c) => c.includes(attemptErrorsKey(fn.stream, fn.group)))).toEqual([]);
  });
});
