/**
 * Ordered consumption under faults and on groups it did not make: a failed
 * request costs the next tick, not a lease and a visibility timeout, and a
 * group made by hand (no pause gate) is consumed like any other.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { orderedLeaseKey, pauseKey } from "../../../src/core/redis/keys.js";
import { START_SCRIPT } from "../../../src/core/features/ordered/start.js";
import { runFunction } from "../../../src/core/run/run.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import type { Fault, FaultContext } from "../../../tools/bridge/faults.js";
import { bridgeTransport, enqueue, faultyBridge, pending, useFixture } from "../../support/engine.js";
import { events, ledgerFunction } from "../../support/ordered-ledger.js";

const f = useFixture();
const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0], t: Transport = transport) => runFunction(fn, { transport: t, vars: {}, trigger: "cron" });
const isStart = (ctx: FaultContext) => ctx.commands.some((c) => c[0] === "EVAL" && c[1] === START_SCRIPT);

/** Fails the run's `nth` request after its start (the first: its commit, or its recovery) with `fault`, then lets everything through. */
async function failFirstCommit(fault: Fault, when: "before" | "after", nth = 1) {
  let seen = 0;
  const pick = (ctx: FaultContext) => {
    if (seen >= nth || isStart(ctx)) return undefined;
    return ++seen === nth ? fault : undefined;
  };
  return faultyBridge(when === "before" ? { before: pick } : { after: pick });
}

describe("ordered consumption under faults", () => {
  for (const [name, fault, when] of [
    ["a 503", { status: 503 }, "before"],
    ["a connection dropped before Redis ran it", "drop", "before"],
    ["a connection dropped after Redis ran it", "drop", "after"],
  ] as const) {
    it(`a commit lost to ${name}: the very next run goes on, each message committed once, in order`, async () => {
      const { fn, ledgerOf } = ledgerFunction(f);
      await f.createGroup(fn);
      await enqueue(f.tcp, fn.stream, events("a1", "b1", "a2"));
      const broken = await failFirstCommit(fault, when);
      const failed = await run(fn, broken.transport);
      await broken.close();
      expect(failed).toMatchObject({ handled: 3, stopReason: "error" });
      await enqueue(f.tcp, fn.stream, events("a3"));

      // No waiting for the failed run's lease, nor for its messages to go idle.
      const next = await run(fn);
      expect(next.stopReason).toBe("drained");
      expect(await ledgerOf()).toEqual(["a1", "b1", "a2", "a3"]);
      expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
      expect(await f.tcp.exists(orderedLeaseKey(fn.stream, fn.group))).toBe(0);
    });
  }

  it("a retry reclaimed by a run whose commit was lost is due again at once, not a visibility timeout later", async () => {
    const { fn, ledgerOf } = ledgerFunction(
      f,
      async (m) => {
        if (m.fields.seq === "1" && m.attempt === 1) throw new Error("transient");
      },
      { backoff: { strategy: "fixed", baseDelayMs: 300, maxDelayMs: 300 } },
    );
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1", "a2"));
    expect(await run(fn)).toMatchObject({ retried: 1, acked: 0 });
    await sleep(500);
    // This run reclaims a1 and a2 (claiming resets their idle time), handles them, and its commit is lost.
    const broken = await failFirstCommit({ status: 503 }, "before", 2);
    expect(await run(fn, broken.transport)).toMatchObject({ reclaimed: 2, handled: 2, stopReason: "error" });
    await broken.close();
    expect(await run(fn)).toMatchObject({ reclaimed: 2, acked: 2 });
    expect(await ledgerOf()).toEqual(["a1", "a2"]);
  });

  it("a group made by hand, without the pause gate: one run drains it and opens the gate", async () => {
    const { fn, ledgerOf } = ledgerFunction(f);
    await f.tcp.xGroupCreate(fn.stream, fn.group, "0", { MKSTREAM: true });
    await enqueue(f.tcp, fn.stream, events("a1", "a2", "b1"));
    const report = await run(fn);
    expect(report).toMatchObject({ read: 3, acked: 3, stopReason: "drained" });
    expect(report.error).toBeUndefined();
    expect(await ledgerOf()).toEqual(["a1", "a2", "b1"]);
    expect(await f.tcp.type(pauseKey(fn.stream, fn.group))).toBe("stream");
    expect(await f.tcp.exists(orderedLeaseKey(fn.stream, fn.group))).toBe(0);
  });

  it("a group made by hand with messages already pending: recovery, then reading, both work", async () => {
    const { fn, ledgerOf } = ledgerFunction(f);
    await f.tcp.xGroupCreate(fn.stream, fn.group, "0", { MKSTREAM: true });
    await enqueue(f.tcp, fn.stream, events("a1", "a2"));
    // An older consumer read a1 and died.
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "old", "COUNT", "1", "STREAMS", fn.stream, ">"]);
    const report = await run(fn);
    expect(report).toMatchObject({ reclaimed: 1, read: 1, acked: 2, stopReason: "drained" });
    expect(await ledgerOf()).toEqual(["a1", "a2"]);
  });
});
