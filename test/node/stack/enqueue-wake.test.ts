/**
 * Beyond the cron minute, on the real local stack (wrangler dev, the bridge,
 * a store) with NO cron driver at all: orders enqueued through the API reach
 * `payments:ledger` because the enqueue itself starts the run. Checked here:
 * 100 concurrent single-message enqueues are all handled, each exactly once,
 * with the wake lease's SET as the only coordination command (one per
 * enqueue); and a `fail-once` order with a 2 s backoff reaches the ledger
 * 2 to 3 s after it was enqueued. Both times are Redis's own (stream ids).
 * Latency percentiles are measured by `npm run bench -- --scenario latency`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEDGER_STREAM } from "../../../src/functions/payments.js";
import { freePort } from "../../../src/dev/stack/ports.js";
import { redisView, type RedisView } from "../../../src/dev/stack/redis-view.js";
import { startStack, type Stack } from "../../../src/dev/stack/stack.js";
import { apiClient, tempDir, waitFor } from "./support.js";

const STREAM = "orders:payments";
const timeOf = (id: string) => Number(id.split("-")[0]);

describe.sequential("enqueue starts consumption on the local stack, with no cron tick", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let stack: Stack;
  let view: RedisView;
  const sets: string[][] = [];
  const requests: string[][][] = [];

  beforeAll(async () => {
    dir = await tempDir("enqueue-wake");
    stack = await startStack({
      dir: dir.path,
      cron: false,
      port: await freePort(),
      bridgePort: await freePort(),
      // The first retry of the exponential backoff is its base: 2 s, as a fixed backoff would be.
      vars: { FN_PAYMENTS_BACKOFF_BASE_DELAY_MS: "2000", FN_PAYMENTS_BACKOFF_MAX_DELAY_MS: "2000" },
      faults: {
        before: ({ commands }) => {
          requests.push(commands.map((c) => c.map(String)));
          sets.push(...commands.filter((c) => ["SET", "EVAL"].includes(String(c[0]).toUpperCase())).map((c) => c.map(String)));
          return undefined;
        },
      },
    });
    view = redisView(stack.bridgeUrl, stack.bridgeToken);
  }, 200_000);
  afterAll(async () => {
    await stack?.stop();
    await dir?.remove();
  });

  const ledgerOf = async (prefix: string) => (await view.entries(LEDGER_STREAM)).filter((e) => e.fields?.orderID?.startsWith(prefix));

  it("handles 100 concurrent single-message enqueues, each once, each one request that also takes the wake lease", async () => {
    const api = apiClient(stack.apiUrl, stack.token);
    sets.length = 0;
    requests.length = 0;
    await Promise.all(Array.from({ length: 100 }, (_, i) => api("POST", `/streams/${encodeURIComponent(STREAM)}/messages`, { orderID: `c-${i}`, amount: "1.00" })));

    const ledger = await waitFor("all 100 orders in the ledger", async () => ((await ledgerOf("c-")).length >= 100 ? ledgerOf("c-") : undefined), 20_000);
    expect(new Set(ledger.map((e) => e.fields?.orderID)).size).toBe(100);
    expect(ledger).toHaveLength(100);
    expect(await view.pending(STREAM, "payment-processors")).toEqual([]);
    // The only coordination: the wake lease (wake-lease.ts), in each enqueue's own request: SET NX PX and INCRBY beside the XADD.
    const enqueues = requests.filter((r) => r.some((c) => c[0] === "XADD" && c[1] === STREAM));
    expect(enqueues).toHaveLength(100);
    for (const r of enqueues) expect(r.map((c) => `${c[0]} ${c[1]}`)).toEqual([`XADD ${STREAM}`, `SET {${STREAM}}:cronsumer-wake`, `INCRBY {${STREAM}}:cronsumer-wake`]);
    // No other request takes a lease, and the only scripts are those that store run reports (their backlog sample), which coordinate nothing.
    expect(requests.filter((r) => !enqueues.includes(r) && r.some((c) => String(c[1]).endsWith(":cronsumer-wake")))).toEqual([]);
    expect(sets.filter((c) => c[0] === "EVAL" && !c[3]!.startsWith("cronsumer:runs:"))).toEqual([]);
  }, 60_000);

  it("handles an Idempotency-Key enqueue from one request that also counts the wake lease, and its repeat from one request that starts nothing", async () => {
    const post = (orderID: string, key: string) =>
      fetch(`${stack.apiUrl}/streams/${encodeURIComponent(STREAM)}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ orderID, amount: "1.00" }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { ids: string[] } }));
    // A store refusing the key-locking shebang costs the isolate's first script one more request: spend it here.
    expect((await post("k-warm", "warm")).status).toBe(201);
    await waitFor("the warm-up order in the ledger", async () => ((await ledgerOf("k-warm")).length > 0 ? true : undefined), 20_000);
    const lease = `{${STREAM}}:cronsumer-wake`;
    // The requests of the enqueue: those naming its record, the wake lease (a SET, an INCRBY, or the lease EVAL's key), or an XADD to the stream.
    const enqueues = () => requests.filter((r) => r.some((c) => c.some((arg) => arg === lease || (arg.startsWith("cronsumer:idem:") && arg.endsWith(":k-1"))) || (c[0] === "XADD" && c[1] === STREAM)));
    requests.length = 0;

    const first = await post("k-1", "k-1");
    expect(first.status).toBe(201);
    await waitFor("the keyed order in the ledger", async () => ((await ledgerOf("k-1")).length > 0 ? true : undefined), 20_000);
    // One request: the script checks the record, writes, records, and counts the lease; no other request takes it.
    expect(enqueues().map((r) => r.map((c) => c[0]))).toEqual([["EVAL"]]);
    expect(enqueues()[0]![0]!.slice(3, 6)).toEqual([expect.stringContaining(":k-1"), STREAM, lease]);

    requests.length = 0;
    const repeat = await post("k-1", "k-1");
    expect(repeat).toEqual({ status: 200, body: { ids: first.body.ids } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(enqueues().map((r) => r.map((c) => c[0]))).toEqual([["EVAL"]]);
    // It started nothing: no read of the stream followed.
    expect(requests.filter((r) => r.some((c) => c[0] === "XREADGROUP"))).toEqual([]);
    expect(await ledgerOf("k-1")).toHaveLength(1);
  }, 60_000);

  it("retries a fail-once order after its 2 s backoff: in the ledger 2 to 3 s after it was enqueued", async () => {
    const api = apiClient(stack.apiUrl, stack.token);
    const { ids } = await api<{ ids: string[] }>("POST", `/streams/${encodeURIComponent(STREAM)}/messages`, { orderID: "f-1", amount: "2.00", simulate: "fail-once" });

    const [charged] = await waitFor("the fail-once order in the ledger", async () => ((await ledgerOf("f-")).length > 0 ? ledgerOf("f-") : undefined), 10_000, 50);
    const tookMs = timeOf(charged!.id) - timeOf(ids[0]!);
    expect(charged!.fields?.attempt).toBe("2");
    expect(tookMs).toBeGreaterThanOrEqual(2_000);
    expect(tookMs).toBeLessThanOrEqual(3_000);
  }, 30_000);

  it("handles single enqueues without a tick (latency printed, not asserted: see `npm run bench -- --scenario latency`)", async () => {
    const api = apiClient(stack.apiUrl, stack.token);
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      const { ids } = await api<{ ids: string[] }>("POST", `/streams/${encodeURIComponent(STREAM)}/messages`, { orderID: `s-${i}`, amount: "1.00" });
      sent.push(ids[0]!);
      await new Promise((resolve) => setTimeout(resolve, (i * 37) % 300));
    }
    const ledger = await waitFor("all 40 orders in the ledger", async () => ((await ledgerOf("s-")).length >= 40 ? ledgerOf("s-") : undefined), 20_000, 100);
    expect(ledger).toHaveLength(40);
    // Redis's clock: the enqueue's XADD to the ledger XADD committed with the ack.
    const byOrder = new Map(ledger.map((e) => [e.fields?.orderID, timeOf(e.id)]));
    const took = sent.map((id, i) => byOrder.get(`s-${i}`)! - timeOf(id)).sort((a, b) => a - b);
    console.log(`enqueue-to-ledger on the local stack, no tick, 40 single enqueues: p50 ${took[19]} ms, p95 ${took[37]} ms, max ${took[39]} ms`);
  }, 60_000);

  it("sends an idle cron tick of the shipped Worker, every function of it, as one request to Redis", async () => {
    const tick = () => fetch(`${stack.apiUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).then((r) => r.arrayBuffer());
    // `/__scheduled` answers before the work handed to waitUntil ends: wait until the bridge has been quiet a while.
    const quiet = async () => {
      for (let seen = -1; seen !== requests.length; ) {
        seen = requests.length;
        await new Promise((resolve) => setTimeout(resolve, 750));
      }
    };
    await tick();
    await quiet();
    requests.length = 0;
    await tick();
    await quiet();
    expect(requests).toHaveLength(1);
    // payments: XPENDING and XREADGROUP; accounts (ordered): its lease script; webhook is skipped without WEBHOOK_URL.
    expect(requests[0]!.map((c) => c[0]!.toUpperCase())).toEqual(["XPENDING", "XREADGROUP", "EVAL"]);
  }, 30_000);
});
