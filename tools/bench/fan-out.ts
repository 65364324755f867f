/**
 * `npm run bench:fan-out`: fan-out's speed-up on the local stack, the Worker
 * under workerd (`wrangler dev`), drainers as Durable Objects. For each K, a
 * fresh stack (redis-server, the bridge with a fixed round trip), a backlog of
 * `payments` messages whose handler takes 20 ms of I/O, then one cron tick
 * with `maxParallelRuns` K: the time until every message is in the ledger,
 * and the requests and commands the bridge saw per message. Every run gets a
 * Paid-plan budget, so each drains continuously until the backlog is gone:
 * the figure is K runs side by side against one.
 *
 *   npm run bench:fan-out -- [--messages 4000] [--ks 1,2,4,8] [--latency 5]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { gateKey } from "../../src/core/keys.js";
import { LEDGER_STREAM, payments } from "../../src/functions/payments.js";
import { tcpReader, xlen } from "../drill/reader.js";
import { freePort } from "../stack/ports.js";
import { startStack } from "../stack/stack.js";

const { values } = parseArgs({ options: { messages: { type: "string" }, ks: { type: "string" }, latency: { type: "string" } }, strict: true });
const messages = Number(values.messages ?? 4000);
const ks = (values.ks ?? "1,2,4,8").split(",").map(Number);
const latencyMs = Number(values.latency ?? 5);
if (!(messages > 0) || ks.some((k) => !(Number.isInteger(k) && k >= 1 && k <= 32)) || !(latencyMs >= 0)) {
  console.error("usage: npm run bench:fan-out -- [--messages N > 0] [--ks 1,2,4,8 (1..32)] [--latency ms ≥ 0]");
  process.exit(2);
}
const log = (line: string) => console.error(line);

interface Row {
  k: number;
  seconds: number;
  perSecond: number;
  requestsPerMessage: number;
  commandsPerMessage: number;
}

async function measure(k: number): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), "cronsumer-fan-out-bench-"));
  const count = { requests: 0, commands: 0 };
  const stack = await startStack({
    dir,
    port: await freePort(),
    bridgePort: await freePort(),
    store: "redis-server",
    cron: false,
    latencyMs,
    // Counts what the Worker sends (nothing else talks to the bridge during a measurement).
    faults: {
      before(ctx) {
        count.requests += 1;
        count.commands += ctx.commands.length;
        return undefined;
      },
    },
    vars: {
      PAYMENTS_LATENCY_MS: "20",
      FN_PAYMENTS_MAX_PARALLEL_RUNS: String(k),
      FN_PAYMENTS_MAX_MESSAGES: "1000000",
      FN_PAYMENTS_MAX_SUBREQUESTS: "10000",
      FN_PAYMENTS_MAX_RUN_MS: "600000",
      FN_PAYMENTS_MAX_CPU_MS: "300000", // the Paid plan's ceiling: without it the Free CPU budget ends each run at ~90 messages
    },
    log,
  });
  try {
    const r = await tcpReader(stack.redisUrl!);
    await r.command(["XGROUP", "CREATE", payments.stream, payments.group, "0", "MKSTREAM"]);
    await r.command(["XGROUP", "CREATE", gateKey(payments.stream), payments.group, "$", "MKSTREAM"]);
    await Promise.all(Array.from({ length: messages }, (_, i) => r.command(["XADD", payments.stream, "*", "orderID", `o${i}`, "amount", "1.00"])));
    count.requests = 0;
    count.commands = 0;
    const t0 = Date.now();
    const tick = await fetch(`${stack.apiUrl}/__scheduled?cron=${encodeURIComponent(payments.crons[0]!)}`);
    if (!tick.ok) throw new Error(`the tick answered ${tick.status}`);
    while ((await xlen(r, LEDGER_STREAM)) < messages) {
      if (Date.now() - t0 > 600_000) throw new Error(`K=${k}: not drained in 10 minutes`);
      await sleep(50);
    }
    const seconds = (Date.now() - t0) / 1000;
    await r.close();
    return { k, seconds, perSecond: messages / seconds, requestsPerMessage: count.requests / messages, commandsPerMessage: count.commands / messages };
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const k of ks) {
  log(`bench:fan-out: K=${k}…`);
  rows.push(await measure(k));
  log(`bench:fan-out: K=${k}: ${rows.at(-1)!.seconds.toFixed(2)} s`);
}
const base = rows.find((r) => r.k === 1);
console.log(`${messages} messages, payments with a 20 ms handler, ${latencyMs} ms round trip, defaults otherwise (batch 10, concurrency 10)\n`);
console.log("| K | drain (s) | msg/s | speed-up vs K=1 | requests/msg | commands/msg |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) {
  const speedUp = base ? (r.perSecond / base.perSecond).toFixed(2) : "n/a";
  console.log(`| ${r.k} | ${r.seconds.toFixed(2)} | ${r.perSecond.toFixed(0)} | ${speedUp} | ${r.requestsPerMessage.toFixed(3)} | ${r.commandsPerMessage.toFixed(3)} |`);
}
