/**
 * `payments`: the seed tutorial's scenario. Validates an order, simulates the
 * payment provider's latency, and records the charge in `payments:ledger` as
 * an effect committed with the acknowledgement, so a crash can never charge
 * twice.
 *
 * Demo behaviour (for `npm run demo` and the drill), driven by a `simulate`
 * field: `fail-once` throws on the first delivery only, `always-fail` throws
 * every time, `slow:<ms>` adds latency. With `PAYMENTS_LOG_ATTEMPTS=1` every
 * attempt is logged as it starts, so the drill can tell deliveries a handler
 * saw from deliveries Redis only counted.
 */
import { definePollingFunction, PermanentError } from "../index.js";
import { sleep } from "./sleep.js";

export const LEDGER_STREAM = "payments:ledger";
/** The start of the line logged per attempt under `PAYMENTS_LOG_ATTEMPTS=1`: `payments: attempt <n> of <id>`. */
export const ATTEMPT_LOG = "payments: attempt";
/** Simulated provider latency unless `PAYMENTS_LATENCY_MS` says otherwise. */
const DEFAULT_LATENCY_MS = 20;

export const payments = definePollingFunction({
  name: "payments",
  description: "Charges orders from orders:payments and records each charge in payments:ledger.",
  stream: "orders:payments",
  group: "payment-processors",
  crons: ["* * * * *"],
  options: { deadLetterStream: "orders:dlq", startId: "0" },
  async handle(message, ctx) {
    const { orderID, amount, simulate } = message.fields;
    if (ctx.env.PAYMENTS_LOG_ATTEMPTS === "1") console.log(`${ATTEMPT_LOG} ${message.attempt} of ${message.id}`);
    if (!orderID || orderID.trim() === "") throw new PermanentError("orderID is missing");
    if (amount === undefined || !/^\d+(\.\d+)?$/.test(amount.trim()) || !(Number(amount) > 0)) {
      throw new PermanentError(`amount must be a positive number; got ${JSON.stringify(amount ?? null)}`);
    }
    const configured = Number(ctx.env.PAYMENTS_LATENCY_MS ?? DEFAULT_LATENCY_MS);
    const extra = simulate?.startsWith("slow:") ? Number(simulate.slice(5)) : 0;
    await sleep((Number.isFinite(configured) ? configured : DEFAULT_LATENCY_MS) + (Number.isFinite(extra) ? extra : 0), ctx.signal);
    if (simulate === "always-fail") throw new Error(`simulated provider failure for order ${orderID}`);
    if (simulate === "fail-once" && message.attempt === 1) throw new Error(`simulated transient failure for order ${orderID}`);
    ctx.effects.xadd(LEDGER_STREAM, { orderID, amount, attempt: String(message.attempt), messageId: message.id });
  },
});
