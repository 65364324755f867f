/**
 * The seed tutorial's payment scenario, as `npm run demo` enqueues it: 20
 * orders, of which three fail once (retried, then charged), two always fail
 * (dead-lettered after `maxDeliveries`) and one is invalid (dead-lettered on
 * its first delivery). Every message carries `demo: <runId>`, so one run's
 * orders can be told apart from another's in the ledger and the DLQ.
 */

export type Expected = "charged" | "always-fail" | "invalid";

export interface DemoOrder {
  orderID: string;
  fields: Record<string, string>;
  expected: Expected;
}

export const DEMO_ORDER_COUNT = 20;
const FAIL_ONCE = new Set([4, 9, 14]);
const ALWAYS_FAIL = new Set([7, 17]);
const INVALID = 20;

export function demoOrders(runId: string): DemoOrder[] {
  const orders: DemoOrder[] = [];
  for (let i = 1; i <= DEMO_ORDER_COUNT; i++) {
    const orderID = `demo-${runId}-${String(i).padStart(2, "0")}`;
    const amount = (5 + ((i * 37) % 120) + 0.99).toFixed(2);
    const fields: Record<string, string> = { orderID, amount, demo: runId };
    let expected: Expected = "charged";
    if (FAIL_ONCE.has(i)) fields.simulate = "fail-once";
    if (ALWAYS_FAIL.has(i)) {
      fields.simulate = "always-fail";
      expected = "always-fail";
    }
    if (i === INVALID) {
      fields.amount = "abc";
      expected = "invalid";
    }
    orders.push({ orderID, fields, expected });
  }
  return orders;
}

/** Deliveries a dead letter of this order must show: every allowed one, or just the first for a permanent error. */
export const expectedDeliveries = (order: DemoOrder, maxDeliveries: number): number => (order.expected === "invalid" ? 1 : maxDeliveries);
