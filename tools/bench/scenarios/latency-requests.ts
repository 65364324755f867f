/**
 * Enqueue-to-handled latency by messages per request: 1, 100 and 500
 * messages in one API request, on Free defaults, with no cron tick. The
 * enqueue's own session takes what one invocation's budgets allow and hands
 * the rest to the function's drainer (src/functions/hand-over.ts), here
 * in-process (latency-harness.ts). Requests go one after another, each once
 * the one before is fully handled, so each figure is one request's burst on
 * its own; latency is from just before the POST to the handler's start.
 */
import type { Context } from "../context.js";
import type { Table } from "../report.js";
import { int, ms, per } from "../report.js";
import type { BenchBridge } from "../stack.js";
import { latencyHarness } from "./latency-harness.js";

/** Messages per request, and how many such requests are measured. */
const SHAPES: [size: number, requests: number][] = [
  [1, 50],
  [100, 5],
  [500, 3],
];

export interface PerRequestRow {
  delayMs: number;
  size: number;
  requests: number;
  samples: number;
  p50: number;
  p99: number;
  max: number;
  /** Drainer requests and alarms per message: Durable Object invocations. */
  drainerInvocationsPerMessage: number;
  /** HTTP requests to Redis per message, the enqueue's included. */
  redisRequestsPerMessage: number;
}

export async function measurePerRequest(ctx: Context, bridge: BenchBridge, delayMs: number): Promise<PerRequestRow[]> {
  const rows: PerRequestRow[] = [];
  for (const [size, requests] of SHAPES) {
    ctx.log(`  ${size} message(s) per request, delay ${delayMs} ms …`);
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const h = latencyHarness(ctx, bridge, {}, (orderID, attempt) => {
      if (attempt === 1) latencies.push(Date.now() - sentAt.get(orderID)!);
    });
    for (let r = 0; r < requests; r++) {
      const body = Array.from({ length: size }, (_, i) => ({ orderID: `o-${r}-${i}`, amount: "1.00" }));
      const at = Date.now();
      for (const m of body) sentAt.set(m.orderID, at);
      await h.post(body);
      await h.settled();
    }
    if (latencies.length !== size * requests) throw new Error(`latency: ${latencies.length} of ${size * requests} messages handled at ${size} per request`);
    const sorted = latencies.sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
    const invocations = h.invocations.fetches + h.invocations.alarms;
    rows.push({ delayMs, size, requests, samples: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]!, drainerInvocationsPerMessage: invocations / sorted.length, redisRequestsPerMessage: h.redisRequests() / sorted.length });
  }
  return rows;
}

export const perRequestTable = (rows: readonly PerRequestRow[]): Table => ({
  title: "Enqueue (HTTP API) to handler start by messages per request, Free defaults, no cron tick (Node; drainers in-process)",
  columns: ["Delay", "Messages per request", "Requests", "Samples", "p50", "p99", "max", "Redis requests per message", "Drainer invocations per message"],
  rows: rows.map((r) => [`${r.delayMs} ms`, int(r.size), int(r.requests), int(r.samples), ms(r.p50), ms(r.p99), ms(r.max), per(r.redisRequestsPerMessage), per(r.drainerInvocationsPerMessage)]),
  notes: [
    "The enqueue's session takes what one invocation's budgets allow (70 to about 100 messages on Free) and hands the rest to the function's drainer; each drainer request or alarm is one Durable Object invocation with budgets of its own.",
    "Redis requests per message count the enqueue's own: one message per request costs the enqueue, the session's read, its commit and its read after the wake window (4 requests).",
    "Node: drainers are createDrainer instances in-process (src/dev/local-drainers.ts), alarms on timers. workerd's limits are not enforced here; budgets hold by the run's own estimate, as there.",
  ],
});
