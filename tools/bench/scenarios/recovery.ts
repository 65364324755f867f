/**
 * Scenario 4: a consumer crashed holding a large PEL. Its entries are read as
 * "dead-worker" and aged past the visibility timeout over TCP (XCLAIM … IDLE
 * … JUSTID keeps owner and delivery count); then cronsumer runs, tick after
 * tick, until every entry is reclaimed, handled and acknowledged.
 */
import type { CronsumerSetup } from "../contenders/cronsumer.js";
import { drainCronsumer, openGate, PAID_BUDGET, sweptSetup } from "../contenders/cronsumer.js";
import type { Context } from "../context.js";
import { measure, perSecond } from "../measure.js";
import type { Section } from "../report.js";
import { int, ms, per, rate } from "../report.js";
import { drainUpstashQueue, QUEUE_PREFIX, queueEnvelope } from "../contenders/upstash-queue.js";
import type { BenchBridge, Tcp } from "../stack.js";
import type { Fields } from "../workload.js";
import { backlog, freshStream, handlerFor, pendingCount } from "../workload.js";

const GROUP = "bench";
const DEAD = "dead-worker";
const DEFAULT_VISIBILITY_MS = 60_000;

export async function recoveryScenario(ctx: Context): Promise<Section> {
  const { stack, settings } = ctx;
  const n = settings.recoveryMessages;
  const best = ctx.best ?? { batchSize: 100, concurrency: 50 };
  const bestSetup = sweptSetup(best.batchSize, best.concurrency);
  const variants: CronsumerSetup[] = [
    { label: "Free: 25 subrequests/run (50 shared by 2 functions), all defaults", options: {}, sharers: 2 },
    { label: "Paid: 10,000 subrequests/run, other defaults (maxMessages 500)", options: { maxSubrequests: PAID_BUDGET.maxSubrequests! } },
    { label: `Paid, batch ${best.batchSize}, conc. ${best.concurrency}, maxMessages 10,000`, options: { ...bestSetup.options, maxMessages: 10_000 } },
  ];
  const rows: string[][] = [];
  const data: Record<string, unknown>[] = [];
  for (const d of settings.delays) {
    const bridge = await stack.bridge(d);
    for (const v of variants) {
      const stream = freshStream(stack, "recovery");
      const visibilityTimeoutMs = v.options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_MS;
      await crashedConsumer(stack.tcp, stream, n, visibilityTimeoutMs + 60_000);
      await openGate(stack, stream, GROUP);
      ctx.log(`  ${v.label}, delay ${d} ms …`);
      const job = { stream, group: GROUP, total: n, handle: handlerFor({ name: "no-op", ioMs: 0 }), deadline: performance.now() + settings.recoveryCapMs };
      const m = await measure(bridge.stats, () => drainCronsumer(stack, bridge, job, v, { until: n }));
      const left = await pendingCount(stack.tcp, stream, GROUP);
      await stack.sweep();
      const cross = m.reported && m.reported.requests === m.requests && m.reported.commands === m.commands ? "run reports = bridge counts" : `run reports ${m.reported?.requests}/${m.reported?.commands} ≠ bridge ${m.requests}/${m.commands}`;
      data.push({ delayMs: d, variant: v.label, ...m, pendingLeft: left });
      rows.push([
        `${d} ms`, v.label, int(m.runs ?? 0), ms(m.ms), int(m.requests), int(m.commands), per(m.requests / Math.max(1, m.processed)), per(m.commands / Math.max(1, m.processed)), rate(perSecond(m)),
        [left > 0 ? `capped at ${settings.recoveryCapMs / 1000} s: ${int(left)} still pending` : "PEL empty", cross].join("; "),
      ]);
      ctx.log(`    ${m.runs} runs, ${ms(m.ms)}, ${left} left`);
    }
    rows.push(await queuePeer(ctx, bridge, n));
  }
  return {
    scenario: "4. Recovery of a crashed consumer's PEL",
    tables: [{
      title: `Reclaim and finish ${int(n)} pending entries (no-op handler)`,
      columns: ["Delay", "Budget", "Runs", "Time", "Requests", "Commands", "req/msg", "cmd/msg", "msg/s", "Notes"],
      rows,
      notes: [
        "Runs are consecutive cron ticks run back to back; on a one-minute cron, 'Runs' is also the minutes the recovery takes.",
        "Setup (not measured): XREADGROUP COUNT n as dead-worker, then XCLAIM … IDLE (visibility timeout + 60 s) JUSTID over TCP.",
        "@upstash/queue gets the wall-time cap of the drain scenario; it reclaims one entry per receive (XAUTOCLAIM … 0-0 COUNT 1), so its rate is what matters.",
        "Upstash refuses XREADGROUP past 1,000 pending entries per consumer, so a real crashed consumer holds at most 1,000; the 10,000 here is a stress case a local Redis allows.",
      ],
    }],
    data,
  };
}

/** @upstash/queue on the same kind of PEL: each receive XAUTOCLAIMs one idle entry (from 0-0), then we verify it. */
async function queuePeer(ctx: Context, bridge: BenchBridge, n: number): Promise<string[]> {
  const { stack, settings } = ctx;
  const stream = `${QUEUE_PREFIX}${freshStream(stack, "recovery")}`;
  stack.track(stream);
  await crashedConsumer(stack.tcp, stream, n, DEFAULT_VISIBILITY_MS + 60_000, queueEnvelope);
  ctx.log(`  @upstash/queue, delay ${bridge.delayMs} ms …`);
  const job = { stream, group: GROUP, total: n, handle: handlerFor({ name: "no-op", ioMs: 0 }), deadline: performance.now() + settings.capMs };
  const m = await measure(bridge.stats, () => drainUpstashQueue(bridge, job));
  const left = await pendingCount(stack.tcp, stream, GROUP);
  await stack.sweep();
  return [
    `${bridge.delayMs} ms`, "@upstash/queue 1.0.1, receive + verify (peer)", "–", ms(m.ms), int(m.requests), int(m.commands), per(m.requests / Math.max(1, m.processed)), per(m.commands / Math.max(1, m.processed)), rate(perSecond(m)),
    left > 0 ? `capped at ${settings.capMs / 1000} s: ${int(m.processed)} of ${int(n)} done, ${int(left)} still pending` : "PEL empty",
  ];
}

async function crashedConsumer(tcp: Tcp, stream: string, n: number, idleMs: number, wrap?: (f: Fields) => Fields): Promise<void> {
  await backlog(tcp, stream, n, GROUP, wrap);
  const read = (await tcp.sendCommand(["XREADGROUP", "GROUP", GROUP, DEAD, "COUNT", String(n), "STREAMS", stream, ">"])) as [string, [string, string[]][]][];
  const ids = read[0]![1].map(([id]) => id);
  for (let i = 0; i < ids.length; i += 1_000) {
    await tcp.sendCommand(["XCLAIM", stream, GROUP, DEAD, "0", ...ids.slice(i, i + 1_000), "IDLE", String(idleMs), "JUSTID"]);
  }
}
