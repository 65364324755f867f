/**
 * cronsumer itself: `runFunction` from src/core/run/run.ts on a function made by
 * `definePollingFunction`, with a transport built by `transportFromEnv`, the
 * Worker's own code path, per run (as each cron invocation does). Called in
 * a loop of runs, as consecutive cron ticks would, until the job is done.
 */
import { randomUUID } from "node:crypto";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { gateOpenOp } from "../../../src/core/features/ensure-group.js";
import { gateKey, pauseKey, reportsKey } from "../../../src/core/redis/keys.js";
import { pauseGateOpenOp } from "../../../src/core/features/pause.js";
import type { FunctionOptions } from "../../../src/core/define/options.js";
import { runFunction } from "../../../src/core/run/run.js";
import { transportFromEnv } from "../../../src/functions/redis.js";
import type { Outcome } from "../measure.js";
import type { BenchBridge, Stack } from "../stack.js";
import type { Job } from "../workload.js";

export interface CronsumerSetup {
  label: string;
  options: Partial<FunctionOptions>;
  /** Functions sharing the invocation's subrequests (only matters with the Free-plan default). */
  sharers?: number;
}

/** The bench's run budget: Workers Paid subrequests, a 15 min wall clock. */
export const PAID_BUDGET: Partial<FunctionOptions> = { maxSubrequests: 10_000, maxRunMs: 900_000 };
/** Handler timeout for swept configs: the bench's handlers take at most 50 ms. */
export const SWEEP_HANDLER_TIMEOUT_MS = 5_000;

/** Per-run message budget: ten batches, never below the default 500, so runs stay short and the wall-time cap is honoured between runs. */
export const messagesPerRun = (batchSize: number): number => Math.min(2_000, Math.max(500, batchSize * 10));

/** Defaults for everything but the run budget. */
export function defaultsSetup(): CronsumerSetup {
  return { label: "cronsumer defaults (batch 10, conc. 10)", options: { ...PAID_BUDGET } };
}

/** A swept batch size and concurrency; the visibility timeout is raised only as far as validation requires. */
export function sweptSetup(batchSize: number, concurrency: number): CronsumerSetup {
  const visibilityTimeoutMs = Math.max(60_000, SWEEP_HANDLER_TIMEOUT_MS * Math.ceil(batchSize / concurrency) + 5_000);
  return {
    label: `cronsumer batch ${batchSize}, conc. ${concurrency}`,
    options: { ...PAID_BUDGET, batchSize, concurrency, handlerTimeoutMs: SWEEP_HANDLER_TIMEOUT_MS, visibilityTimeoutMs, maxMessages: messagesPerRun(batchSize) },
  };
}

/**
 * Puts a group created over TCP in the state cronsumer's own first run
 * (`ensureGroup`) leaves it in: with its backpressure and pause gates open. Without it
 * the first measured run would pay that one-time setup.
 */
export async function openGate(stack: Stack, stream: string, group: string): Promise<void> {
  stack.track(gateKey(stream), pauseKey(stream, group));
  await stack.tcp.sendCommand([...gateOpenOp(stream, group).command].map(String));
  await stack.tcp.sendCommand([...pauseGateOpenOp(stream, group).command].map(String));
}

export interface CronsumerRunOptions {
  /** Stop once this many messages are acknowledged (default: `job.total`). */
  until?: number;
  /** Stop after this many runs (one idle tick: 1). */
  maxRuns?: number;
}

export async function drainCronsumer(stack: Stack, bridge: BenchBridge, job: Job, setup: CronsumerSetup, o: CronsumerRunOptions = {}): Promise<Outcome> {
  const name = `bench-${randomUUID().slice(0, 8)}`;
  const deadLetterStream = `${job.stream}:dlq`;
  stack.track(deadLetterStream, reportsKey(name));
  const fn = definePollingFunction({
    name,
    stream: job.stream,
    group: job.group,
    crons: ["* * * * *"],
    options: { startId: "0", deadLetterStream, ...setup.options },
    handle: (message) => job.handle(message.fields),
  });
  const until = o.until ?? job.total;
  let processed = 0;
  let runs = 0;
  let idleRuns = 0;
  const reported = { requests: 0, commands: 0 };
  const stops = new Map<string, number>();
  let failures = 0;
  while (processed < until && performance.now() < job.deadline && idleRuns < 3 && runs < (o.maxRuns ?? Infinity)) {
    const report = await runFunction(fn, { transport: transportFromEnv(bridge.env), vars: {}, trigger: "cron", slot: runs, sharers: setup.sharers ?? 1 });
    runs += 1;
    if (report.stopReason === "error") throw new Error(`cronsumer run failed: ${report.error}`);
    processed += report.acked;
    failures += report.retried + report.deadLettered;
    reported.requests += report.requests;
    reported.commands += report.commands;
    stops.set(report.stopReason, (stops.get(report.stopReason) ?? 0) + 1);
    idleRuns = report.read + report.reclaimed === 0 ? idleRuns + 1 : 0;
  }
  const notes = [`${runs} run${runs === 1 ? "" : "s"}, stopped by ${[...stops].map(([k, v]) => `${k} ×${v}`).join(", ")}`];
  if (failures > 0) notes.push(`${failures} handler failures`);
  return { processed, runs, reported, notes };
}
