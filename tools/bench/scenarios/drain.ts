/**
 * Scenario 1: drain a backlog, per injected delay and handler. First a sweep
 * of cronsumer's batch size and concurrency on a smaller backlog picks one
 * configuration that is best across all cells; then each contender drains
 * the full backlog, side by side, each capped in wall time.
 */
import { defaultsSetup, drainCronsumer, openGate, sweptSetup } from "../contenders/cronsumer.js";
import type { CronsumerSetup } from "../contenders/cronsumer.js";
import { limitShare, measureRoundTripMs, physicalLimit } from "../contenders/physical-limit.js";
import { drainSeedStyle } from "../contenders/seed-style.js";
import { drainTcp, TCP_BATCH } from "../contenders/tcp.js";
import { drainUpstashQueue, QUEUE_PREFIX, queueEnvelope } from "../contenders/upstash-queue.js";
import type { Context } from "../context.js";
import type { Measured, Outcome } from "../measure.js";
import { measure, perSecond } from "../measure.js";
import type { Section, Table } from "../report.js";
import { int, ms, per, rate, ratioPerMessage, times } from "../report.js";
import type { BenchBridge } from "../stack.js";
import type { HandlerSpec, Job } from "../workload.js";
import { backlog, consumerCount, freshStream, handlerFor, pendingCount } from "../workload.js";

const GROUP = "bench";

export interface Row extends Measured {
  delayMs: number | null;
  handler: string;
  contender: string;
  target: number;
  capped: boolean;
  rate: number;
  /** For cronsumer rows: the physical limit of its batch size and concurrency. */
  limit?: number;
  computed?: boolean;
}

type SweepRow = Row & { batchSize: number; concurrency: number; repetitions: number };
interface RoundTrip {
  delayMs: number;
  handler: string;
  phase: "sweep" | "drain";
  ms: number;
}

type Drainer = (job: Job) => Promise<Outcome>;

/** Prepares a fresh backlog, runs one contender on it, and checks what it left pending. */
async function runOne(ctx: Context, bridge: BenchBridge | undefined, label: string, target: number, spec: HandlerSpec, drain: Drainer, queue = false): Promise<Measured & { capped: boolean }> {
  const { stack, settings } = ctx;
  const stream = queue ? `${QUEUE_PREFIX}${freshStream(stack, "queue")}` : freshStream(stack, "drain");
  if (queue) stack.track(stream);
  await backlog(stack.tcp, stream, target, GROUP, queue ? queueEnvelope : undefined);
  if (!queue) await openGate(stack, stream, GROUP);
  ctx.log(`  ${label} (${spec.name}${bridge ? `, delay ${bridge.delayMs} ms` : ""}) …`);
  const job: Job = { stream, group: GROUP, total: target, handle: handlerFor(spec), deadline: performance.now() + settings.capMs };
  const m = await measure(bridge?.stats, () => drain(job));
  const capped = m.processed < target;
  const left = await pendingCount(stack.tcp, stream, GROUP);
  if (!capped && left > 0) throw new Error(`${label} left ${left} entries pending after a full drain`);
  if (queue) m.notes = [...(m.notes ?? []), `${int(await consumerCount(stack.tcp, stream, GROUP))} consumers left in the group`];
  await stack.sweep();
  ctx.log(`    ${int(m.processed)} in ${ms(m.ms)}: ${rate(perSecond(m))} msg/s, ${m.requests} requests`);
  return { ...m, capped };
}

export async function drainScenario(ctx: Context): Promise<Section> {
  const { settings, stack } = ctx;
  const rtts: RoundTrip[] = [];

  // 1. Sweep. Short cells are repeated (median of up to 3) because a few
  // hundred milliseconds on a shared machine are mostly noise.
  ctx.log(`drain: sweeping ${settings.sweep.length} configurations on ${int(settings.sweepMessages)} messages`);
  const sweepRows: SweepRow[] = [];
  for (const d of settings.delays) {
    const bridge = await stack.bridge(d);
    for (const spec of settings.handlers) {
      const rtt = await measureRoundTripMs(bridge);
      rtts.push({ delayMs: d, handler: spec.name, phase: "sweep", ms: rtt });
      for (const [b, c] of settings.sweep) {
        const setup = sweptSetup(b, c);
        const reps: (Measured & { capped: boolean })[] = [];
        do reps.push(await runOne(ctx, bridge, setup.label, settings.sweepMessages, spec, (job) => drainCronsumer(stack, bridge, job, setup)));
        while (reps.length < 3 && reps.reduce((t, r) => t + r.ms, 0) < 2_000);
        const m = reps.sort((x, y) => perSecond(x) - perSecond(y))[Math.floor((reps.length - 1) / 2)]!;
        sweepRows.push({ ...m, delayMs: d, handler: spec.name, contender: setup.label, target: settings.sweepMessages, rate: perSecond(m), limit: physicalLimit(rtt, b, c, spec.ioMs), batchSize: b, concurrency: c, repetitions: reps.length });
      }
    }
  }
  const best = pickBest(sweepRows);
  ctx.best = best;
  ctx.log(`drain: best configuration batch ${best.batchSize}, concurrency ${best.concurrency}`);

  // 2. Side by side on the full backlog.
  const rows: Row[] = [];
  const n = settings.messages;
  const bestSetup: CronsumerSetup = { ...sweptSetup(best.batchSize, best.concurrency) };
  bestSetup.label = `cronsumer best: ${bestSetup.label.replace("cronsumer ", "")}`;
  for (const d of settings.delays) {
    const bridge = await stack.bridge(d);
    for (const spec of settings.handlers) {
      const rtt = await measureRoundTripMs(bridge);
      rtts.push({ delayMs: d, handler: spec.name, phase: "drain", ms: rtt });
      const base = { delayMs: d, handler: spec.name, target: n };
      const add = (contender: string, m: Measured & { capped: boolean }, limit?: number) => rows.push({ ...base, ...m, contender, rate: perSecond(m), limit });
      const defaults = defaultsSetup();
      add(defaults.label, await runOne(ctx, bridge, defaults.label, n, spec, (job) => drainCronsumer(stack, bridge, job, defaults)), physicalLimit(rtt, 10, 10, spec.ioMs));
      add(bestSetup.label, await runOne(ctx, bridge, bestSetup.label, n, spec, (job) => drainCronsumer(stack, bridge, job, bestSetup)), physicalLimit(rtt, best.batchSize, best.concurrency, spec.ioMs));
      add("seed-style (XREADGROUP 10, XACK each)", await runOne(ctx, bridge, "seed-style", n, spec, (job) => drainSeedStyle(bridge, job)));
      add("@upstash/queue 1.0.1", await runOne(ctx, bridge, "@upstash/queue", n, spec, (job) => drainUpstashQueue(bridge, job), true));
      for (const [b, c] of [[10, 10], [best.batchSize, best.concurrency]] as const) {
        const limit = physicalLimit(rtt, b, c, spec.ioMs);
        rows.push({ ...base, contender: `physical limit, batch ${b} conc. ${c} (computed${d === 0 ? "; not a bound at 0 ms" : ""})`, processed: n, ms: (n * 1000) / limit, requests: Math.ceil(n / b), commands: 0, capped: false, rate: limit, computed: true });
      }
    }
  }
  for (const spec of settings.handlers) {
    const c = best.concurrency;
    const m = await runOne(ctx, undefined, `TCP node-redis (batch ${TCP_BATCH}, conc. ${c})`, n, spec, (job) => drainTcp(stack.redisUrl, job, c));
    rows.push({ ...m, delayMs: null, handler: spec.name, contender: `direct TCP, node-redis (batch ${TCP_BATCH}, conc. ${c})`, target: n, rate: perSecond(m) });
  }
  return { scenario: "1. Backlog drain", tables: [sweepTable(sweepRows, best, settings.sweepMessages), drainTable(rows, n, settings.capMs, rtts)], data: { roundTripMs: rtts, best, sweep: sweepRows, rows } };
}

/** The configuration whose rate, relative to the best in each (delay, handler) cell, has the highest geometric mean. */
function pickBest(rows: SweepRow[]): { batchSize: number; concurrency: number } {
  const cellMax = new Map<string, number>();
  const cell = (r: Row) => `${r.delayMs}/${r.handler}`;
  for (const r of rows) cellMax.set(cell(r), Math.max(cellMax.get(cell(r)) ?? 0, r.rate));
  const score = new Map<string, { logSum: number; n: number; b: number; c: number }>();
  for (const r of rows) {
    const key = `${r.batchSize}/${r.concurrency}`;
    const s = score.get(key) ?? { logSum: 0, n: 0, b: r.batchSize, c: r.concurrency };
    s.logSum += Math.log(Math.max(r.rate, 1e-9) / cellMax.get(cell(r))!);
    s.n += 1;
    score.set(key, s);
  }
  const ranked = [...score.values()].sort((x, y) => y.logSum / y.n - x.logSum / x.n || x.b - y.b);
  return { batchSize: ranked[0]!.b, concurrency: ranked[0]!.c };
}

function capNote(r: Row, capMs: number): string {
  return r.capped ? `capped at ${capMs / 1000} s, ${int(r.processed)} of ${int(r.target)}` : "";
}

function crossCheck(r: Measured): string {
  if (!r.reported) return "";
  const ok = r.reported.requests === r.requests && r.reported.commands === r.commands;
  return ok ? "run reports = bridge counts" : `run reports ${r.reported.requests} req / ${r.reported.commands} cmd ≠ bridge ${r.requests} / ${r.commands}`;
}

function sweepTable(rows: SweepRow[], best: { batchSize: number; concurrency: number }, messages: number): Table {
  const base = (r: SweepRow) => rows.find((x) => x.delayMs === r.delayMs && x.handler === r.handler && x.batchSize === 10 && x.concurrency === 10);
  return {
    title: `Sweep: cronsumer batch size × concurrency (${int(messages)} messages each)`,
    columns: ["Delay", "Handler", "Batch", "Conc.", "msg/s", "HTTP req/msg", "cmd/msg", "× vs batch 10 conc. 10", "% of physical limit", "Notes"],
    rows: rows.map((r) => [
      `${r.delayMs} ms`, r.handler, String(r.batchSize), String(r.concurrency), rate(r.rate), ratioPerMessage(r.requests, r.processed), ratioPerMessage(r.commands, r.processed),
      base(r) ? times(r.rate, base(r)!.rate) : "–", limitShare(r), [r.capped ? `capped, ${int(r.processed)} of ${int(r.target)}` : "", r.repetitions > 1 ? `median of ${r.repetitions}` : "", crossCheck(r)].filter(Boolean).join("; "),
    ]),
    notes: [
      `Best across all cells (geometric mean of the rate relative to each cell's best): **batch ${best.batchSize}, concurrency ${best.concurrency}**.`,
      "Cells that finish in under 2 s are repeated up to 3 times; the row shows the median.",
      "Swept configurations set handlerTimeoutMs 5,000 and raise visibilityTimeoutMs only as far as validation requires; maxMessages is ten batches per run (at least 500).",
    ],
  };
}

function drainTable(rows: Row[], messages: number, capMs: number, rtts: RoundTrip[]): Table {
  const peer = (r: Row, prefix: string) => rows.find((x) => x.delayMs === r.delayMs && x.handler === r.handler && x.contender.startsWith(prefix));
  return {
    title: `Drain ${int(messages)} messages`,
    columns: ["Delay", "Handler", "Contender", "Done", "Time", "msg/s", "HTTP req/msg", "cmd/msg", "× vs seed-style", "× vs @upstash/queue", "% of physical limit", "Notes"],
    rows: rows.map((r) => {
      const seed = peer(r, "seed-style");
      const queue = peer(r, "@upstash/queue");
      const isPeer = r.contender.startsWith("seed-style") || r.contender.startsWith("@upstash/queue");
      return [
        r.delayMs === null ? "none (TCP)" : `${r.delayMs} ms`, r.handler, r.contender,
        r.computed ? "–" : int(r.processed), r.computed ? "–" : ms(r.ms), rate(r.rate),
        r.computed ? per(1 / Number(r.contender.match(/batch (\d+)/)![1])) : r.delayMs === null ? "0 (TCP)" : ratioPerMessage(r.requests, r.processed),
        r.computed || r.delayMs === null ? "–" : ratioPerMessage(r.commands, r.processed),
        seed && !isPeer ? times(r.rate, seed.rate) : "–", queue && !isPeer ? times(r.rate, queue.rate) : "–",
        r.limit ? limitShare(r) : "–",
        [capNote(r, capMs), ...(r.notes ?? []), crossCheck(r)].filter(Boolean).join("; "),
      ];
    }),
    notes: [
      `Round trip (median of 50 PINGs, each a one-command /pipeline request from the Worker's client, measured just before each delay × handler block): ${rtts.filter((r) => r.phase === "drain").map((r) => `${r.delayMs} ms delay, ${r.handler} → ${r.ms.toFixed(2)} ms`).join("; ")}.`,
      "Physical limit (computed, not measured): batch / (round trip + ⌈batch/concurrency⌉ × handler time), a perfect loop with one request per batch that costs nothing but the round trip. At 0 ms delay the round trip is a millisecond of CPU on this machine, so the model is not a physical bound there and can be exceeded.",
      "cronsumer run budget for the bench: maxSubrequests 10,000 (Workers Paid), maxRunMs 900,000; the defaults row keeps every other default (maxMessages 500 per run).",
      "Direct TCP has no bridge, so no injected delay applies: it is measured once per handler and is this machine's ceiling without HTTP.",
      "Requests and commands are counted at the bridge for every contender; for cronsumer they are checked against its run reports.",
    ],
  };
}
