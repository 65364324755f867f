/**
 * `npm run bench:fan-out`: fan-out's and partitions' speed-up on the local
 * stack, the Worker under workerd (`wrangler dev`), drainers as Durable
 * Objects. For each row, a fresh stack, a backlog of `payments` messages
 * whose handler takes 20 ms of I/O, then one cron tick (fan-out/drain.ts).
 *
 * - K rows (`--ks`): the project's Worker, `payments` with `maxParallelRuns` K.
 * - P rows (`--partitions`): `payments` partitioned P ways by the field `k`
 *   (fan-out/worker.ts), the backlog routed over the P partition streams by
 *   the real routing; `--combined 4x2` adds P = 4 with K = 2 per member.
 *
 * Every run gets a Paid-plan budget, so each drains continuously until the
 * backlog is gone: the figure is runs side by side against one.
 *
 *   npm run bench:fan-out -- [--messages 4000] [--ks 1,2,4,8] [--partitions 1,2,4,8] [--combined 4x2] [--latency 5]
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { partitionStream, routeFields } from "../../src/core/define/partitions.js";
import { payments } from "../../src/functions/payments.js";
import { budgetVars } from "./fan-out/budget.js";
import { measureDrain, type DrainSetup, type Drained } from "./fan-out/drain.js";
import { partitionedPayments } from "./fan-out/partitioned.js";

const { values } = parseArgs({
  options: { messages: { type: "string" }, ks: { type: "string" }, partitions: { type: "string" }, combined: { type: "string" }, latency: { type: "string" } },
  strict: true,
});
const list = (text: string | undefined) => (text ? text.split(",").map(Number) : []);
const messages = Number(values.messages ?? 4000);
const ps = list(values.partitions);
const combined = (values.combined ? values.combined.split(",") : []).map((pair) => pair.split("x").map(Number) as [number, number]);
// With partitions asked for, K = 1 alone is the baseline unless `--ks` says otherwise.
const ks = list(values.ks ?? (ps.length + combined.length > 0 ? "1" : "1,2,4,8"));
const latencyMs = Number(values.latency ?? 5);
const inRange = (n: number) => Number.isInteger(n) && n >= 1 && n <= 32;
if (!(messages > 0) || !(latencyMs >= 0) || ![...ks, ...ps, ...combined.flat()].every(inRange) || combined.some((pair) => pair.length !== 2)) {
  console.error("usage: npm run bench:fan-out -- [--messages N > 0] [--ks 1,2,4,8] [--partitions 1,2,4,8] [--combined PxK,…] [--latency ms ≥ 0] (every P and K 1..32)");
  process.exit(2);
}
const log = (line: string) => console.error(line);

/** The project's Worker, `payments` with K parallel runs. */
const fanOut = (k: number): DrainSetup => ({
  vars: { FN_PAYMENTS_MAX_PARALLEL_RUNS: String(k), ...budgetVars("FN_PAYMENTS") },
  streams: [payments.stream],
  streamOf: () => payments.stream,
});

/** The partitioned Worker: P members, each with K parallel runs; messages routed as the API routes them. */
function partitioned(p: number, k: number): DrainSetup {
  const spec = partitionedPayments(p, k).partitions!;
  return {
    config: fileURLToPath(new URL("fan-out/wrangler.toml", import.meta.url)),
    vars: { BENCH_PARTITIONS: String(p), BENCH_PARALLEL_RUNS: String(k) },
    streams: Array.from({ length: p }, (_, i) => partitionStream(payments.stream, i)),
    streamOf(fields) {
      const route = routeFields(fields, payments.stream, spec);
      if ("missing" in route) throw new Error(`a backlog message lacks ${route.missing}`);
      return route.stream;
    },
  };
}

interface Row extends Drained {
  p: number | undefined;
  k: number;
}

async function row(p: number | undefined, k: number): Promise<Row> {
  const label = p === undefined ? `K=${k}` : `P=${p} K=${k}`;
  log(`bench:fan-out: ${label}…`);
  const drained = await measureDrain(p === undefined ? fanOut(k) : partitioned(p, k), messages, latencyMs, log);
  log(`bench:fan-out: ${label}: ${drained.seconds.toFixed(2)} s`);
  return { p, k, ...drained };
}

const kRows: Row[] = [];
for (const k of ks) kRows.push(await row(undefined, k));
const pRows: Row[] = [];
for (const p of ps) pRows.push(await row(p, 1));
for (const [p, k] of combined) pRows.push(await row(p, k));

const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : "n/a");
const k1 = kRows.find((r) => r.k === 1);
console.log(`${messages} messages, payments with a 20 ms handler, ${latencyMs} ms round trip, defaults otherwise (batch 10, concurrency 10)\n`);
if (kRows.length > 0) {
  console.log("| K | drain (s) | msg/s | speed-up vs K=1 | requests/msg | commands/msg |");
  console.log("|---|---|---|---|---|---|");
  for (const r of kRows) {
    console.log(`| ${r.k} | ${r.seconds.toFixed(2)} | ${r.perSecond.toFixed(0)} | ${ratio(r.perSecond, k1?.perSecond)} | ${r.requestsPerMessage.toFixed(3)} | ${r.commandsPerMessage.toFixed(3)} |`);
  }
}
if (pRows.length > 0) {
  const p1 = pRows.find((r) => r.p === 1 && r.k === 1);
  if (kRows.length > 0) console.log("");
  console.log("| P | K | drain (s) | msg/s | speed-up vs P=1 | requests/msg | commands/msg | requests vs P=1 | commands vs P=1 | requests vs K=1 | commands vs K=1 |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of pRows) {
    const perMessage = `${r.requestsPerMessage.toFixed(3)} | ${r.commandsPerMessage.toFixed(3)}`;
    const against = (b: Row | undefined) => `${ratio(r.requestsPerMessage, b?.requestsPerMessage)} | ${ratio(r.commandsPerMessage, b?.commandsPerMessage)}`;
    console.log(`| ${r.p} | ${r.k} | ${r.seconds.toFixed(2)} | ${r.perSecond.toFixed(0)} | ${ratio(r.perSecond, p1?.perSecond)} | ${perMessage} | ${against(p1)} | ${against(k1)} |`);
  }
}
