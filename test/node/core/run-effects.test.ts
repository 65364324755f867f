/**
 * Effects committed with the acknowledgement: whatever happens to the commit
 * request at the network (refused, cut off before Redis ran it, cut off
 * after), the effects are wholly applied or wholly absent, the commit is
 * never re-sent blindly, and after redelivery each effect is in Redis once.
 */
import { describe, expect, it } from "vitest";
import type { PollingFunction } from "../../../src/core/define/define.js";
import { runFunction } from "../../../src/core/run/run.js";
import type { Fault } from "../../../src/dev/bridge/faults.js";
import { age, bridgeTransport, enqueue, entries, faultyBridge, useFixture, pending } from "../../support/engine.js";

const f = useFixture();

const VT = 60_000;

function ledgerFunction(ledger: string, counter: string): PollingFunction {
  return f.fn({
    handle: async (m, ctx) => {
      ctx.effects.xadd(ledger, { orderID: m.fields.orderID!, messageId: m.id }).incrBy(counter, 1);
    },
    options: { visibilityTimeoutMs: VT },
  });
}

describe("effects", () => {
  it("are committed in the same transaction as the XACK", async () => {
    const ledger = `test:effects:ledger-${Math.random()}`;
    const counter = `${ledger}:count`;
    const fn = ledgerFunction(ledger, counter);
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ orderID: "a" }, { orderID: "b" }]);
    await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "cron" });
    expect((await entries(f.tcp, ledger)).map((e) => e.message.orderID)).toEqual(["a", "b"]);
    expect(await f.tcp.get(counter)).toBe("2");
    await f.tcp.del([ledger, counter]);
  });

  it.each<[string, "before" | "after", Fault]>([
    ["refused with a 500 before Redis ran it", "before", { status: 500 }],
    ["cut off before Redis ran it", "before", "drop"],
    ["cut off after Redis ran it", "after", "drop"],
  ])("a commit %s is wholly applied or wholly absent, and exactly once after redelivery", async (_, when, fault) => {
    const ledger = `test:effects:ledger-${Math.random()}`;
    const counter = `${ledger}:count`;
    const fn = ledgerFunction(ledger, counter);
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, [{ orderID: "a" }, { orderID: "b" }, { orderID: "c" }]);

    let commits = 0;
    const hook = (ctx: { path: string }) => {
      if (ctx.path !== "/multi-exec") return undefined;
      commits += 1;
      return commits === 1 ? fault : undefined;
    };
    const faulty = await faultyBridge(when === "before" ? { before: hook } : { after: hook });
    const report = await runFunction(fn, { transport: faulty.transport, vars: {}, trigger: "cron" });
    await faulty.close();

    expect(report.stopReason).toBe("error");
    // Never re-sent: the client does not retry, and the engine does not either.
    expect(commits).toBe(1);
    const ledgerNow = await entries(f.tcp, ledger);
    const stillPending = (await pending(f.tcp, fn.stream, fn.group)).map((p) => p.id);
    if (when === "after") {
      expect(ledgerNow).toHaveLength(3);
      expect(await f.tcp.get(counter)).toBe("3");
      expect(stillPending).toEqual([]);
    } else {
      expect(ledgerNow).toHaveLength(0);
      expect(await f.tcp.get(counter)).toBeNull();
      expect(stillPending).toEqual(ids);
    }

    // Redelivery settles it.
    await age(f.tcp, fn.stream, fn.group, VT);
    await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "cron" });
    const final = await entries(f.tcp, ledger);
    expect(final.map((e) => e.message.messageId).sort()).toEqual([...ids].sort());
    expect(await f.tcp.get(counter)).toBe("3");
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    await f.tcp.del([ledger, counter]);
  });

  it("are refused with a clear error when a handler passes something that is not a string", async () => {
    const fn = f.fn({
      handle: async (_m, ctx) => {
        ctx.effects.xadd("test:effects:never", { amount: 42 as unknown as string });
      },
      options: { maxDeliveries: 1 },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ orderID: "x" }]);
    const report = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "cron" });
    expect(report.deadLettered).toBe(1);
    const [dead] = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dead!.message.error).toBe('ConfigError: effects.xadd field "amount" must be a string; got number');
    expect(await f.tcp.exists("test:effects:never")).toBe(0);
  });
});
