/**
 * `npm run demo`: the seed's payment scenario against the running stack.
 * Enqueues 20 orders through the API, runs `payments` every second
 * (`POST /functions/payments/run`, so nobody waits for the minute cron),
 * and prints what happens: charges in `payments:ledger`, retries, dead
 * letters in `orders:dlq`. It ends with a summary read from the store
 * itself and exits 1 if that does not match the scenario in time.
 *
 * Where the stack is: `.cronsumer/stack.json` (written by `npm start`;
 * CRONSUMER_DIR moves it), or API_URL and API_TOKEN, with BRIDGE_URL and
 * BRIDGE_TOKEN for reading the ledger, which the API does not expose.
 *
 *   npm run demo [-- --timeout <seconds>]
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { DeadLetter } from "../src/core/dead-letters/dead-letter.js";
import type { RunReport } from "../src/core/features/report.js";
import { LEDGER_STREAM } from "../src/functions/payments.js";
import { demoOrders } from "../src/dev/stack/demo-orders.js";
import { DEMO_DLQ, DEMO_GROUP, DEMO_STREAM, summarize } from "../src/dev/stack/demo-summary.js";
import { formatTable } from "../src/dev/stack/format-table.js";
import { redisView, type RedisView } from "../src/dev/stack/redis-view.js";
import { readStackFile } from "../src/dev/stack/stack-file.js";

function fail(message: string): never {
  console.error(`demo: ${message}`);
  process.exit(1);
}

const { values: args } = parseArgs({ options: { timeout: { type: "string", default: "60" }, help: { type: "boolean", short: "h" } } });
if (args.help) {
  console.log("usage: npm run demo [-- --timeout <seconds>]   (default 60)");
  process.exit(0);
}
const timeoutMs = Number(args.timeout) * 1000;
if (!(timeoutMs > 0)) fail(`--timeout takes seconds above 0, got ${args.timeout}`);

const dir = resolve(process.env.CRONSUMER_DIR || ".cronsumer");
const state = await readStackFile(dir);
const apiUrl = process.env.API_URL || state?.apiUrl;
const token = process.env.API_TOKEN || state?.token;
const bridgeUrl = process.env.BRIDGE_URL || state?.bridgeUrl;
const bridgeToken = process.env.BRIDGE_TOKEN || state?.bridgeToken;
if (!apiUrl || !token) fail(`no running stack: start one with \`npm start\` (it writes ${dir}/stack.json), or set API_URL and API_TOKEN`);
if (!bridgeUrl || !bridgeToken) fail("set BRIDGE_URL and BRIDGE_TOKEN too: the ledger is read through the bridge");

async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((error: Error) => fail(`${method} ${path}: ${error.message} (is \`npm start\` running?)`));
  const json = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!response.ok) fail(`${method} ${path} answered ${response.status}: ${json?.error?.message ?? "no message"}`);
  return json as T;
}

const view: RedisView = redisView(bridgeUrl, bridgeToken);
const { functions } = await api<{ functions: { name: string; skipped: string | null; options: { maxDeliveries: number } | null }[] }>("GET", "/functions");
const payments = functions.find((f) => f.name === "payments");
if (!payments) fail("this Worker has no `payments` function");
if (payments.skipped) fail(`payments is skipped here: ${payments.skipped}`);
const maxDeliveries = payments.options?.maxDeliveries ?? 5;

// Only what this run adds counts: the ledger and the DLQ may hold earlier demos.
const [ledgerStart, dlqStart] = await Promise.all([view.lastId(LEDGER_STREAM), view.lastId(DEMO_DLQ)]);
const runId = randomBytes(3).toString("hex");
const orders = demoOrders(runId);
const { ids } = await api<{ ids: string[] }>("POST", `/streams/${encodeURIComponent(DEMO_STREAM)}/messages`, orders.map((o) => o.fields), { "Idempotency-Key": `demo-${runId}` });
const orderOf = new Map(ids.map((id, i) => [id, orders[i]!]));
const count = (e: (typeof orders)[number]["expected"]) => orders.filter((o) => o.expected === e).length;
const valid = count("charged");
const started = Date.now();
const clock = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(4)} s`;
const say = (what: string, text: string) => console.log(`  ${clock()}  ${what.padEnd(8)} ${text}`);

console.log(`demo: run ${runId} against ${apiUrl}${state ? ` (store: ${state.store})` : ""}`);
console.log(`demo: enqueued ${orders.length} orders onto ${DEMO_STREAM}: ${valid} valid (${orders.filter((o) => o.fields.simulate === "fail-once").length} of them fail once), ${count("always-fail")} always fail, ${count("invalid")} invalid`);
console.log(`demo: running payments every second (POST /functions/payments/run); Ctrl-C to stop watching\n`);

const charged = new Map<string, number>();
const dead = new Map<string, DeadLetter>();
const retried = new Map<string, number>();
let done = false;
while (Date.now() - started < timeoutMs) {
  const tick = Date.now();
  const report = await api<RunReport | { skipped: string }>("POST", "/functions/payments/run");
  if ("skipped" in report) fail(`payments was skipped: ${report.skipped}`);
  if (report.read + report.reclaimed > 0) {
    say("run", `read ${report.read}, reclaimed ${report.reclaimed}: acked ${report.acked}, retried ${report.retried}, dead-lettered ${report.deadLettered}`);
  }
  if (report.error) say("error", report.error);

  const [ledger, letters, pending] = await Promise.all([view.entries(LEDGER_STREAM, ledgerStart), view.deadLetters(DEMO_DLQ, dlqStart), view.pending(DEMO_STREAM, DEMO_GROUP)]);
  for (const entry of ledger) {
    const orderID = entry.fields?.orderID;
    if (!orderID?.startsWith(`demo-${runId}-`) || charged.has(orderID)) continue;
    charged.set(orderID, Number(entry.fields!.attempt));
    say("charged", `${orderID}  ${entry.fields!.amount} (attempt ${entry.fields!.attempt})`);
  }
  for (const letter of letters) {
    const orderID = letter.fields.orderID ?? "?";
    if (letter.fields.demo !== runId || dead.has(orderID)) continue;
    dead.set(orderID, letter);
    say("dead", `${orderID}  after ${letter.deliveries} ${letter.deliveries === 1 ? "delivery" : "deliveries"}: ${letter.error}`);
  }
  for (const p of pending) {
    const order = orderOf.get(p.id);
    if (!order || (retried.get(order.orderID) ?? 0) >= p.deliveries) continue;
    retried.set(order.orderID, p.deliveries);
    say("retry", `${order.orderID}  delivery ${p.deliveries} failed (${order.fields.simulate ?? "?"}); redelivered after backoff`);
  }
  const mine = pending.filter((p) => orderOf.has(p.id));
  if (charged.size >= valid && dead.size >= orders.length - valid && mine.length === 0) {
    done = true;
    break;
  }
  await sleep(Math.max(0, 1000 - (Date.now() - tick)));
}
if (!done) console.log(`\ndemo: not settled after ${timeoutMs / 1000} s; the summary shows what is missing`);

// The summary is read afresh from the store, not from what was printed above.
const summary = await summarize(view, { orders, messageIds: ids, ledgerStart, dlqStart, maxDeliveries });
console.log(`\nsummary: what the store holds for run ${runId} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
console.log(formatTable(["", "expected", "in Redis", ""], summary.rows));
console.log(summary.ok ? "\ndemo: ok" : "\ndemo: MISMATCH: the store does not hold what the scenario expects");
process.exit(summary.ok ? 0 : 1);
