/**
 * `keyConcurrency` across runs at once (core/features/key-leases.ts): racing runs
 * never handle more than `max` messages of one key at a time, and a message
 * held back for its key is handled later on its first attempt: nothing lost,
 * no delivery charged.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();

describe("keyConcurrency", () => {
  it("holds racing runs to max handlers per key, and hands every held-back message over later at attempt 1", async () => {
    const running = new Map<string, number>();
    let most = 0;
    const attempts = new Map<string, number[]>();
    const fn = f.fn({
      handle: async (m) => {
        const tenant = m.fields.tenant!;
        const now = (running.get(tenant) ?? 0) + 1;
        running.set(tenant, now);
        most = Math.max(most, now);
        attempts.set(m.id, [...(attempts.get(m.id) ?? []), m.attempt]);
        await sleep(30);
        running.set(tenant, running.get(tenant)! - 1);
      },
      options: { keyConcurrency: { field: "tenant", max: 1 }, batchSize: 6, concurrency: 6, handlerTimeoutMs: 1_000, visibilityTimeoutMs: 10_000 },
    });
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, Array.from({ length: 24 }, (_, i) => ({ tenant: `t${i % 3}`, n: String(i) })));
    let heldBack = 0;
    for (let round = 0; round < 30 && attempts.size < ids.length; round++) {
      const reports = await Promise.all([0, 1, 2, 3].map((slot) => runFunction(fn, { transport, vars: {}, trigger: "manual", slot })));
      for (const r of reports) expect(r.error).toBeUndefined();
      heldBack += reports.reduce((s, r) => s + (r.heldBack ?? 0), 0);
      if (attempts.size < ids.length) await sleep(400);
    }
    expect(most).toBe(1);
    expect(heldBack).toBeGreaterThan(0);
    expect([...attempts.keys()].sort()).toEqual([...ids].sort());
    // Each handled once, on its first attempt: holding back charged nothing.
    expect([...attempts.values()].filter((a) => a.length !== 1 || a[0] !== 1)).toEqual([]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
