/**
 * Scenario 6: enqueue-to-handled latency, and retries on time. Orders go
 * through the HTTP API (`createApp`, as the Worker serves it) with an
 * ExecutionContext whose `waitUntil` runs the wake (src/functions/wake.ts),
 * so no cron tick ever runs; latency is from just before the POST to the
 * handler's start, on one clock. Two traffic shapes: single enqueues with
 * random gaps (0–300 ms, so some land under another's wake lease), and a
 * burst of 100 concurrent ones; and 1, 100 or 500 messages in one request
 * (latency-requests.ts), where the enqueue's session hands the rest over.
 *
 * Cron-only is computed, not simulated: with a one-minute cron a message
 * waits for the next tick, uniform over 0–60 s, then one run; its
 * percentiles are 60 s × p plus the run, taken as the new path's median.
 *
 * Retries: fail-once orders with a fixed backoff; the gap between the two
 * attempts' starts against the configured delay.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { mulberry32 } from "../../../src/dev/prng.js";
import type { Context } from "../context.js";
import type { Section } from "../report.js";
import { int, ms } from "../report.js";
import type { BenchBridge } from "../stack.js";
import { latencyHarness } from "./latency-harness.js";
import type { PerRequestRow } from "./latency-requests.js";
import { measurePerRequest, perRequestTable } from "./latency-requests.js";

const SEQUENTIAL = 60;
const BURST = 100;
const RETRY_DELAYS = [1_000, 2_000, 5_000];
const RETRIES_PER_DELAY = 5;

interface LatencyRow {
  delayMs: number;
  shape: string;
  samples: number;
  p50: number;
  p95: number;
  p99: number;
}

interface RetryRow {
  delayMs: number;
  configuredMs: number;
  samples: number;
  meanMs: number;
  maxMs: number;
}

export async function latencyScenario(ctx: Context): Promise<Section> {
  const latency: LatencyRow[] = [];
  const retries: RetryRow[] = [];
  const perRequest: PerRequestRow[] = [];
  for (const d of ctx.settings.delays) {
    const bridge = await ctx.stack.bridge(d);
    perRequest.push(...(await measurePerRequest(ctx, bridge, d)));
    ctx.log(`  enqueue-to-handled, delay ${d} ms …`);
    const seq = await measureLatency(ctx, bridge, "sequential");
    latency.push({ delayMs: d, shape: `single enqueues, gaps 0–300 ms`, ...percentiles(seq) });
    const burst = await measureLatency(ctx, bridge, "burst");
    latency.push({ delayMs: d, shape: `burst of ${BURST} concurrent single enqueues`, ...percentiles(burst) });
    for (const configured of RETRY_DELAYS) {
      ctx.log(`  retry after ${configured} ms, delay ${d} ms …`);
      const gaps = await measureRetry(ctx, bridge, configured);
      retries.push({ delayMs: d, configuredMs: configured, samples: gaps.length, meanMs: gaps.reduce((a, b) => a + b, 0) / gaps.length, maxMs: Math.max(...gaps) });
    }
    await ctx.stack.sweep();
  }
  const cron = (p: number, runMs: number) => ms(60_000 * p + runMs);
  return {
    scenario: "6. Enqueue-to-handled latency and retries on time",
    tables: [
      perRequestTable(perRequest),
      {
        title: "Enqueue (HTTP API) to handler start, no cron tick: the enqueue starts the run",
        columns: ["Delay", "Traffic", "Samples", "p50", "p95", "p99", "Cron-only p50 / p95 / p99 (computed)"],
        rows: latency.map((r) => [`${r.delayMs} ms`, r.shape, int(r.samples), ms(r.p50), ms(r.p95), ms(r.p99), `${cron(0.5, r.p50)} / ${cron(0.95, r.p50)} / ${cron(0.99, r.p50)}`]),
        notes: [
          "Cron-only: a message waits for the next one-minute tick (uniform over 0–60 s), then one run, taken as the new path's p50.",
          "Per enqueue request, coordination is one SET NX PX (the wake lease); each run the lease started ends with one more read after the lease (1 request, 2 commands when idle).",
        ],
      },
      {
        title: `Retry delay: configured against actual (fixed backoff, ${RETRIES_PER_DELAY} fail-once orders per delay, one session)`,
        columns: ["Delay", "Configured", "Samples", "Actual, mean", "Actual, max", "Late by (mean)"],
        rows: retries.map((r) => [`${r.delayMs} ms`, ms(r.configuredMs), int(r.samples), ms(r.meanMs), ms(r.maxMs), ms(r.meanMs - r.configuredMs)]),
        notes: ["Without the session's wait, any of these retries would run at the next cron tick: 0–60 s later, whatever the delay."],
      },
    ],
    data: { perRequest, latency, retries },
  };
}

function percentiles(samples: number[]): Omit<LatencyRow, "delayMs" | "shape"> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { samples: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

async function measureLatency(ctx: Context, bridge: BenchBridge, shape: "sequential" | "burst"): Promise<number[]> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const h = latencyHarness(ctx, bridge, {}, (orderID, attempt) => {
    if (attempt === 1) latencies.push(Date.now() - sentAt.get(orderID)!);
  });
  const send = (i: number) => {
    const orderID = `o-${i}`;
    sentAt.set(orderID, Date.now());
    return h.post({ orderID, amount: "1.00" });
  };
  if (shape === "burst") await Promise.all(Array.from({ length: BURST }, (_, i) => send(i)));
  else {
    const random = mulberry32(42);
    for (let i = 0; i < SEQUENTIAL; i++) {
      await send(i);
      await sleep(Math.floor(random() * 300));
    }
  }
  await h.settled();
  return latencies;
}

async function measureRetry(ctx: Context, bridge: BenchBridge, delayMs: number): Promise<number[]> {
  const firstAt = new Map<string, number>();
  const gaps: number[] = [];
  const h = latencyHarness(ctx, bridge, { backoff: { strategy: "fixed", baseDelayMs: delayMs, maxDelayMs: delayMs } }, (orderID, attempt) => {
    if (attempt === 1) firstAt.set(orderID, Date.now());
    else gaps.push(Date.now() - firstAt.get(orderID)!);
  });
  await Promise.all(Array.from({ length: RETRIES_PER_DELAY }, (_, i) => h.post({ orderID: `r-${i}`, amount: "1.00", simulate: "fail-once" })));
  await h.settled();
  return gaps;
}
