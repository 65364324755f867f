/**
 * The `payments` function as shipped (on a fresh stream so files can run in
 * parallel): validation, the ledger written with the acknowledgement, and the
 * demo's `simulate` field.
 */
import { describe, expect, it } from "vitest";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { runFunction } from "../../../src/core/run/run.js";
import { LEDGER_STREAM, payments } from "../../../src/functions/payments.js";
import { age, bridgeTransport, enqueue, entries, useFixture, pending } from "../../support/engine.js";

const f = useFixture();

const vars = { PAYMENTS_LATENCY_MS: "1" };

describe("payments", () => {
  it("charges valid orders once, retries fail-once, and dead-letters invalid and always-failing ones", async () => {
    const base = f.fn({ handle: payments.handle });
    const fn = definePollingFunction({ ...payments, name: base.name, stream: base.stream, options: { ...payments.options, ...base.options } });
    const ids = await enqueue(f.tcp, fn.stream, [
      { orderID: "ok-1", amount: "10.00" },
      { orderID: "flaky", amount: "5", simulate: "fail-once" },
      { orderID: "doomed", amount: "7", simulate: "always-fail" },
      { orderID: "", amount: "3" },
      { orderID: "neg", amount: "-4" },
      { orderID: "nan", amount: "12abc" },
      { orderID: "slow", amount: "1", simulate: "slow:30" },
    ]);
    const transport = bridgeTransport();
    for (let i = 0; i < 8; i++) {
      await runFunction(fn, { transport, vars, trigger: "cron" });
      await age(f.tcp, fn.stream, fn.group, 60_000);
    }
    const ledger = (await entries(f.tcp, LEDGER_STREAM)).map((e) => e.message).filter((m) => ids.includes(m.messageId!));
    expect(ledger.map((m) => [m.orderID, m.attempt]).sort()).toEqual([["flaky", "2"], ["ok-1", "1"], ["slow", "1"]]);
    expect(ledger.find((m) => m.orderID === "ok-1")).toEqual({ orderID: "ok-1", amount: "10.00", attempt: "1", messageId: ids[0] });

    const dlq = (await entries(f.tcp, fn.options.deadLetterStream!)).map((e) => e.message);
    const byOrder = Object.fromEntries(dlq.map((d) => [JSON.parse(d.fields!).orderID, d]));
    expect(Object.keys(byOrder).sort()).toEqual(["", "doomed", "nan", "neg"]);
    expect(byOrder.doomed).toMatchObject({ deliveries: "5", error: "simulated provider failure for order doomed" });
    expect(byOrder[""]).toMatchObject({ deliveries: "1", error: "PermanentError: orderID is missing" });
    expect(byOrder.neg!.error).toBe('PermanentError: amount must be a positive number; got "-4"');
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("is the seed's scenario on the real keys", () => {
    expect({ name: payments.name, stream: payments.stream, group: payments.group, crons: payments.crons, dlq: payments.options.deadLetterStream }).toEqual({
      name: "payments",
      stream: "orders:payments",
      group: "payment-processors",
      crons: ["* * * * *"],
      dlq: "orders:dlq",
    });
  });
});
