/**
 * Stopping and starting the stack loses nothing: every stream entry, every
 * pending entry (owner and delivery count), the group's position and the
 * ledger are the same after a restart on the same state directory. Run for
 * the embedded engine and for a spawned redis-server (its append-only file).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEDGER_STREAM } from "../../../src/functions/payments.js";
import type { RunReport } from "../../../src/core/features/report.js";
import { freePort } from "../../../src/dev/stack/ports.js";
import { redisView } from "../../../src/dev/stack/redis-view.js";
import { startStack, type Stack } from "../../../src/dev/stack/stack.js";
import type { StoreKind } from "../../../src/dev/stack/store.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { apiClient, listening, tempDir } from "./support.js";

const STREAM = "orders:payments";
const GROUP = "payment-processors";

async function snapshot(stack: Stack) {
  const view = redisView(stack.bridgeUrl, stack.bridgeToken);
  const api = apiClient(stack.apiUrl, stack.token);
  const [entries, pending, ledger, dlq, groups] = await Promise.all([
    view.entries(STREAM),
    view.pending(STREAM, GROUP),
    view.entries(LEDGER_STREAM),
    view.entries("orders:dlq"),
    api<{ groups: { name: string; lastDeliveredId: string; pending: number }[] }>("GET", `/streams/${encodeURIComponent(STREAM)}/groups`),
  ]);
  return {
    entries,
    // Idle time moves on by itself; owner and delivery count must not.
    pending: pending.map(({ id, consumer, deliveries }) => ({ id, consumer, deliveries })),
    ledger,
    dlq,
    groups: groups.groups.map(({ name, lastDeliveredId, pending: count }) => ({ name, lastDeliveredId, pending: count })),
  };
}

describe("a restart with the embedded store", () => restartSuite("embedded"));
describe.skipIf(ON_ENGINE)(realRedisOnly("a restart with the redis-server store", "a redis-server binary"), () => restartSuite("redis-server"));

function restartSuite(kind: StoreKind): void {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let stack: Stack | undefined;
  let ports: { port: number; bridgePort: number };
  // Tick-driven on purpose: the test runs the function by hand, so enqueues must not start runs of their own.
  const start = () => startStack({ dir: dir.path, store: kind, cron: false, vars: { WAKE_ON_ENQUEUE: "false" }, ...ports });

  beforeAll(async () => {
    dir = await tempDir(`restart-${kind}`);
    ports = { port: await freePort(), bridgePort: await freePort() };
  });
  afterAll(async () => {
    await stack?.stop();
    await dir?.remove();
  });

  it("keeps every stream entry and every pending entry", async () => {
    stack = await start();
    const api = apiClient(stack.apiUrl, stack.token);
    const tag = `restart-${kind}-${Date.now()}`;
    await api("POST", `/streams/${encodeURIComponent(STREAM)}/messages`, [
      { orderID: `${tag}-ok`, amount: "10.00" },
      { orderID: `${tag}-flaky`, amount: "11.00", simulate: "fail-once" },
      { orderID: `${tag}-broken`, amount: "12.00", simulate: "always-fail" },
      { orderID: `${tag}-invalid`, amount: "abc" },
    ]);
    const report = await api<RunReport>("POST", "/functions/payments/run");
    expect(report).toMatchObject({ read: 4, acked: 1, retried: 2, deadLettered: 1 });
    // Not yet delivered when the stack stops.
    await api("POST", `/streams/${encodeURIComponent(STREAM)}/messages`, { orderID: `${tag}-later`, amount: "13.00" });

    const before = await snapshot(stack);
    expect(before.pending).toHaveLength(2);
    expect(before.pending.every((p) => p.deliveries === 1)).toBe(true);
    expect(before.entries.length).toBeGreaterThanOrEqual(5);

    const { worker, bridge } = stack.ports;
    await stack.stop();
    stack = undefined;
    expect(await listening([worker, bridge])).toEqual([]);

    // Same ports: the first stack must have let go of them.
    stack = await start();
    expect(await snapshot(stack)).toEqual(before);
  }, 120_000);
}
