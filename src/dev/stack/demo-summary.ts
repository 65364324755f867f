/**
 * The demo's verdict: what the store holds for one run's orders, read
 * through the bridge, against what the scenario expects. Each valid order
 * charged exactly once, each failing one dead-lettered with the right
 * delivery count, nothing left pending.
 */
import { LEDGER_STREAM } from "../../functions/payments.js";
import { expectedDeliveries, type DemoOrder } from "./demo-orders.js";
import type { RedisView } from "./redis-view.js";

export const DEMO_STREAM = "orders:payments";
export const DEMO_GROUP = "payment-processors";
export const DEMO_DLQ = "orders:dlq";

export interface SummaryInput {
  orders: readonly DemoOrder[];
  /** The orders' message ids in orders:payments. */
  messageIds: readonly string[];
  /** Ledger and DLQ ids before the run: only what comes after counts. */
  ledgerStart?: string;
  dlqStart?: string;
  maxDeliveries: number;
}

export interface Summary {
  ok: boolean;
  /** [what, expected, in Redis, verdict] */
  rows: string[][];
}

export async function summarize(view: RedisView, input: SummaryInput): Promise<Summary> {
  const { orders, messageIds, ledgerStart, dlqStart, maxDeliveries } = input;
  const [ledger, letters, pending] = await Promise.all([
    view.entries(LEDGER_STREAM, ledgerStart),
    view.deadLetters(DEMO_DLQ, dlqStart),
    view.pending(DEMO_STREAM, DEMO_GROUP),
  ]);
  const ours = new Set(orders.map((o) => o.orderID));
  const charged = ledger.map((e) => e.fields?.orderID ?? "").filter((id) => ours.has(id));
  const deadOf = new Map(letters.filter((d) => ours.has(d.fields.orderID ?? "")).map((d) => [d.fields.orderID!, d]));
  const ids = new Set(messageIds);
  const failing = orders.filter((o) => o.expected !== "charged");
  const validCount = orders.length - failing.length;

  const rows: string[][] = [];
  let ok = true;
  const row = (what: string, expected: number, actual: number) => {
    ok &&= expected === actual;
    rows.push([what, String(expected), String(actual), expected === actual ? "ok" : "MISMATCH"]);
  };
  // A duplicate charge would show as more ledger entries than distinct orders.
  row(`${LEDGER_STREAM}: entries`, validCount, charged.length);
  row(`${LEDGER_STREAM}: distinct orders`, validCount, new Set(charged).size);
  row(`${DEMO_DLQ}: dead letters`, failing.length, deadOf.size);
  for (const o of failing) row(`  ${o.orderID} (${o.expected}): deliveries`, expectedDeliveries(o, maxDeliveries), deadOf.get(o.orderID)?.deliveries ?? 0);
  row(`pending in ${DEMO_GROUP}`, 0, pending.filter((p) => ids.has(p.id)).length);
  return { ok, rows };
}
