/**
 * Scenario 6: flow control. (a) `rateLimit` with several runs at once over
 * 60 s: the observed rate against the limit. (b) `keyConcurrency` with runs
 * racing: the most handlers one key ever had at once, recorded by the
 * handler. (c) Pause, then resume: a paused tick's cost against an idle
 * tick's, and nothing lost or charged.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { gateKey, pauseKey, reportsKey } from "../../../src/core/redis/keys.js";
import { sendPipeline, sendTransaction } from "../../../src/core/redis/ops.js";
import type { FunctionOptions } from "../../../src/core/define/options.js";
import { overrideVarName } from "../../../src/core/define/overrides.js";
import { pauseOp, resumeOps } from "../../../src/core/features/pause.js";
import { runFunction } from "../../../src/core/run/run.js";
import { transportFromEnv } from "../../../src/functions/redis.js";
import { openGate } from "../contenders/cronsumer.js";
import type { Context } from "../context.js";
import type { Section } from "../report.js";
import { int, per } from "../report.js";
import type { BenchBridge, Stack } from "../stack.js";
import { backlog, freshStream, pendingCount } from "../workload.js";

const GROUP = "bench";
const RUNNERS = 4;

function fnOn(stack: Stack, stream: string, options: Partial<FunctionOptions>, handle: (fields: Record<string, string>, attempt: number) => Promise<void>) {
  const name = `bench-${randomUUID().slice(0, 8)}`;
  stack.track(`${stream}:dlq`, reportsKey(name), gateKey(stream), pauseKey(stream, GROUP));
  return definePollingFunction({ name, stream, group: GROUP, crons: ["* * * * *"], options: { startId: "0", deadLetterStream: `${stream}:dlq`, ...options }, handle: (m) => handle(m.fields, m.attempt) });
}

/** `RUNNERS` loops of back-to-back runs until `ms` is up, as overlapping cron ticks and manual runs would be. */
async function race(fn: ReturnType<typeof fnOn>, bridge: BenchBridge, ms: number, maxRunMs: number) {
  const end = performance.now() + ms;
  const errors: string[] = [];
  let runs = 0;
  await Promise.all(
    Array.from({ length: RUNNERS }, async (_, slot) => {
      while (performance.now() < end) {
        const report = await runFunction(fn, { transport: transportFromEnv(bridge.env), vars: { [overrideVarName(fn.name, ["maxRunMs"])]: String(Math.min(maxRunMs, Math.max(1_000, Math.ceil(end - performance.now())))) }, trigger: "manual", slot });
        runs += 1;
        if (report.error) errors.push(report.error);
      }
    }),
  );
  return { runs, errors };
}

export async function flowScenario(ctx: Context): Promise<Section> {
  const { stack } = ctx;
  const bridge = await stack.bridge(ctx.settings.delays.includes(5) ? 5 : ctx.settings.delays[0]!);
  const seconds = ctx.settings.idleRuns >= 20 ? 60 : 15;
  const rows: string[][] = [];
  const notes: string[] = [];

  // (a) rate limit
  const limit = 50;
  const rateStream = freshStream(stack, "rate");
  await backlog(stack.tcp, rateStream, Math.ceil(limit * seconds * 1.5), GROUP);
  await openGate(stack, rateStream, GROUP);
  const at: number[] = [];
  const rated = fnOn(stack, rateStream, { rateLimit: { limit, periodMs: 1_000 }, maxSubrequests: 10_000, handlerTimeoutMs: 1_000 }, async () => void at.push(performance.now()));
  ctx.log(`  rateLimit ${limit}/s, ${RUNNERS} runners, ${seconds} s …`);
  const before = { ...bridge.stats };
  const started = performance.now();
  const rateRace = await race(rated, bridge, seconds * 1_000, 20_000);
  const elapsed = (performance.now() - started) / 1000;
  const handled = at.length;
  const observed = handled / elapsed;
  const commands = bridge.stats.commands - before.commands;
  rows.push([
    `rateLimit ${limit}/s`,
    `${RUNNERS} runners × ${rateRace.runs} runs, ${elapsed.toFixed(1)} s`,
    `${observed.toFixed(2)} msg/s = ${((100 * observed) / limit).toFixed(1)}% of the limit`,
    `${per((bridge.stats.requests - before.requests) / Math.max(1, handled))} req, ${per(commands / Math.max(1, handled))} cmd per message`,
    rateRace.errors.length === 0 ? "no run errors" : `${rateRace.errors.length} run errors: ${rateRace.errors[0]}`,
  ]);
  const unread = Number(((await stack.tcp.sendCommand(["XINFO", "GROUPS", rateStream])) as unknown[][])[0]!.slice(-1)[0]);
  notes.push(`rateLimit: ${int(handled)} handled, ${await pendingCount(stack.tcp, rateStream, GROUP)} pending at the end, ${int(unread)} never read (the backlog outlasts the limit).`);

  // (b) key concurrency
  const max = 2;
  const keyStream = freshStream(stack, "keys");
  const total = 600;
  await stack.tcp.xGroupCreate(keyStream, GROUP, "0", { MKSTREAM: true });
  for (let i = 0; i < total; i++) await stack.tcp.xAdd(keyStream, "*", { tenant: `t${i % 5}`, n: String(i) });
  await openGate(stack, keyStream, GROUP);
  const running = new Map<string, number>();
  let most = 0;
  const attempts: number[] = [];
  const keyed = fnOn(stack, keyStream, { keyConcurrency: { field: "tenant", max }, batchSize: 20, concurrency: 20, maxSubrequests: 10_000, handlerTimeoutMs: 1_000, visibilityTimeoutMs: 10_000 }, async (fields, attempt) => {
    const now = (running.get(fields.tenant!) ?? 0) + 1;
    running.set(fields.tenant!, now);
    most = Math.max(most, now);
    attempts.push(attempt);
    await sleep(10);
    running.set(fields.tenant!, running.get(fields.tenant!)! - 1);
  });
  ctx.log(`  keyConcurrency max ${max}, ${RUNNERS} runners …`);
  const keyRace = await race(keyed, bridge, Math.min(seconds, 20) * 1_000, 5_000);
  rows.push([
    `keyConcurrency max ${max} (5 keys)`,
    `${RUNNERS} runners × ${keyRace.runs} runs`,
    `most at once for one key: ${most}`,
    `${int(attempts.length)} of ${total} handled; attempts other than 1: ${attempts.filter((a) => a !== 1).length}`,
    keyRace.errors.length === 0 ? "no run errors" : `${keyRace.errors.length} run errors: ${keyRace.errors[0]}`,
  ]);

  // (c) pause
  const pauseStream = freshStream(stack, "pause");
  await backlog(stack.tcp, pauseStream, 50, GROUP);
  await openGate(stack, pauseStream, GROUP);
  const seen: number[] = [];
  const pausable = fnOn(stack, pauseStream, {}, async (_f, attempt) => void seen.push(attempt));
  const idleStream = freshStream(stack, "pause-idle");
  await stack.tcp.xGroupCreate(idleStream, GROUP, "0", { MKSTREAM: true });
  await openGate(stack, idleStream, GROUP);
  const idle = fnOn(stack, idleStream, {}, async () => {});
  const t = transportFromEnv(bridge.env);
  const cost = async (fn: typeof idle, ticks: number) => {
    const b = { ...bridge.stats };
    for (let i = 0; i < ticks; i++) await runFunction(fn, { transport: t, vars: {}, trigger: "cron", slot: i });
    return { requests: (bridge.stats.requests - b.requests) / ticks, commands: (bridge.stats.commands - b.commands) / ticks };
  };
  await sendPipeline(t, [pauseOp(pauseStream, GROUP, Date.now())] as const);
  const pausedCost = await cost(pausable, 20);
  const idleCost = await cost(idle, 20);
  const pendingWhilePaused = await pendingCount(stack.tcp, pauseStream, GROUP);
  await sendTransaction(t, resumeOps(pauseStream, GROUP));
  await runFunction(pausable, { transport: t, vars: {}, trigger: "cron" });
  rows.push([
    "pause, 20 ticks, then resume",
    `paused tick ${per(pausedCost.requests)} req / ${per(pausedCost.commands)} cmd; idle tick ${per(idleCost.requests)} / ${per(idleCost.commands)}`,
    `handled while paused: 0 of 50 (pending ${pendingWhilePaused})`,
    `after resume: ${seen.length} of 50 handled, attempts other than 1: ${seen.filter((a) => a !== 1).length}`,
    "",
  ]);
  await stack.sweep();
  return {
    scenario: "6. Flow control",
    tables: [{ title: `Rate limit, key concurrency and pause (bridge delay ${bridge.delayMs} ms)`, columns: ["Case", "Load", "Result", "Accounting", "Notes"], rows, notes }],
    data: { limit, seconds, handled, observed, most, max, pausedCost, idleCost },
  };
}
