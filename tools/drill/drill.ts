/**
 * One drill, start to finish:
 * 1. the real stack (store, bridge with switchable faults, Worker under
 *    `wrangler dev`, cron every `cronEvery` s) in a temp directory, on free ports;
 * 2. under faults: the producer enqueues through the API, manual runs
 *    overlap the cron's, the bridge fails requests, the killer crashes
 *    the Worker at seeded progress points;
 *    With `overlap` > 0, runs are instead fired at that rate without
 *    waiting for any (overlap.ts), so many runs of payments overlap;
 * 3. once the producer and the kills are done and `faultsUntil` of the
 *    messages have settled, faults stop. In overlap mode the firing stops
 *    and the drill waits until every run has finished (quiesce); then
 *    normal runs go on until the group's PEL is empty and its lag is 0
 *    (or `drainTimeoutS` passes);
 * 4. everything is read back over TCP and accounted (accounting.ts), and
 *    the stack is stopped, with a check that none of its processes is left.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { mulberry32 } from "../../src/dev/prng.js";
import { freePort } from "../../src/dev/stack/ports.js";
import type { Stack } from "../../src/dev/stack/stack.js";
import { PROJECT_DIR, startStack } from "../../src/dev/stack/stack.js";
import { startCronDriver } from "../../src/dev/stack/cron-driver.js";
import { payments } from "../../src/functions/payments.js";
import { delayedKey, reportsKey } from "../../src/core/redis/keys.js";
import { signalGroup } from "../../src/dev/stack/worker.js";
import { account } from "./accounting.js";
import { checkDelayed } from "./delayed.js";
import type { DrillConfig } from "./config.js";
import { consumerPool, DLQ, effectiveOptions, FUNCTION, GROUP, LEDGER, STREAM } from "./config.js";
import { switchableFaults } from "./faults/bridge-faults.js";
import { deliveryLog } from "./faults/deliveries.js";
import { killPoints, startKiller } from "./faults/killer.js";
import { quiesce, startOverlap } from "./overlap.js";
import type { Produced } from "./producer.js";
import { produce } from "./producer.js";
import type { Reader } from "./reader.js";
import { bridgeReader, readStream, tcpReader } from "./reader.js";
import type { Runner } from "./runner.js";
import { emptyRunnerStats, startRunner } from "./runner.js";
import { groupState, startSampler } from "./sampler.js";
import { workerOutput } from "./worker-output.js";
import { makeOrders } from "./workload.js";

/** A drill that cannot go on, for a reason its message says in full. */
export class DrillError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DrillError";
  }
}

export interface DrillPaths {
  /** Every line wrangler prints, for tracing a finding. */
  workerLog: string;
}

export async function runDrill(c: DrillConfig, paths: DrillPaths, log: (line: string) => void, signal?: AbortSignal) {
  const options = effectiveOptions(c);
  const startedAt = Date.now();
  const elapsed = () => Date.now() - startedAt;
  // Independent seeded streams, so changing one knob does not reshuffle the others.
  const orders = makeOrders(c.messages, c.mix, mulberry32(c.seed), `ord-${c.seed}`);
  const killRandom = mulberry32(c.seed ^ 0x2545f491);
  const delayRandom = mulberry32(c.seed ^ 0x5bd1e995);
  const deliveries = deliveryLog(STREAM, startedAt);
  const bridge = switchableFaults({ rate: c.faultRate, seed: c.seed, onAnswer: (ctx, answer, dropped) => deliveries.record(ctx.commands, answer, dropped) });
  const overlapping = c.overlap > 0;
  const output = workerOutput(paths.workerLog);
  const dir = await mkdtemp(join(tmpdir(), "cronsumer-drill-"));
  const wranglerGroups: number[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  let stack: Stack | undefined;
  let reader: Reader | undefined;

  const until = async (what: string, done: () => boolean | Promise<boolean>, timeoutS: number, everyMs = 250): Promise<boolean> => {
    const deadline = Date.now() + timeoutS * 1000;
    while (!(await done())) {
      if (signal?.aborted) throw new Error(`interrupted while waiting for ${what}`);
      if (Date.now() > deadline) return false;
      await sleep(everyMs);
    }
    return true;
  };

  let outcome: Awaited<ReturnType<typeof drive>> | undefined;
  let left: number[] = [];
  let storePids: number[] = [];
  try {
    stack = await startStack({
    // This repository's Worker, wherever the tool is started from.
    projectDir: PROJECT_DIR,
      dir,
      port: await freePort(),
      bridgePort: await freePort(),
      store: c.store,
      redisUrl: c.redisUrl,
      vars: c.vars,
      // In overlap mode the drill fires the ticks itself, and starts a normal cron for the drain.
      cron: overlapping ? false : { everySeconds: c.cronEvery },
      faults: bridge.faults,
      log,
      onWorkerOutput: output.onLine,
    });
    const s = stack;
    wranglerGroups.push(s.pids.wrangler);
    log(`drill: stack up in ${elapsed()} ms (${s.storeDescription}); Worker at ${s.apiUrl}; wrangler group ${s.pids.wrangler}, store pids [${s.pids.store.join(", ")}]`);
    reader = s.redisUrl ? await tcpReader(s.redisUrl) : bridgeReader(s.bridgeUrl, s.bridgeToken);
    for (const key of [STREAM, LEDGER, DLQ]) {
      if (Number(await reader.command(["EXISTS", key])) > 0) throw new DrillError(`${key} already exists in this Redis: the drill needs a Redis without it (use a scratch Redis, or unset REDIS_URL for a spawned redis-server)`);
    }
    outcome = await drive(s, reader);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await reader?.close();
    storePids = stack?.pids.store ?? [];
    await stack?.stop();
    await output.close();
    await rm(dir, { recursive: true, force: true });
    left = [...wranglerGroups.filter((g) => signalGroup(g, 0)), ...storePids.filter(alive)];
    if (left.length > 0) log(`drill: processes left behind: ${left.join(", ")}`);
  }
  return { ...outcome!, processes: { wranglerGroups, store: storePids }, leftBehind: left };

  async function drive(s: Stack, r: Reader) {
    bridge.enabled = c.faultRate > 0;
    const faultStart = elapsed();
    const sampler = startSampler({ reader: r, stream: STREAM, group: GROUP, sinks: [LEDGER, DLQ], startedAt });
    stops.push(() => sampler.stop());
    const normalRuns = () => {
      const r = startRunner({ apiUrl: s.apiUrl, token: s.token, fn: FUNCTION, lanes: c.manualLanes, everyMs: c.manualEveryMs }, manualStats);
      if (c.manualLanes > 0) stops.push(() => r.stop());
      return r;
    };
    const manualStats = emptyRunnerStats();
    const overlap = overlapping ? startOverlap({ apiUrl: s.apiUrl, token: s.token, fn: FUNCTION, cron: payments.crons[0]!, perSecond: c.overlap, maxInFlight: c.overlapInFlight }) : undefined;
    if (overlap) stops.push(() => overlap.stop());
    let runner: Runner | undefined = overlap ? undefined : normalRuns();
    const killer = startKiller({
      points: killPoints(c.kills, killRandom),
      random: killRandom,
      progress: () => sampler.settled / c.messages,
      runsInFlight: () => (overlap ?? runner)?.inFlight ?? 0,
      kill: async () => {
        await s.crashWorker();
        wranglerGroups.push(s.pids.wrangler);
        log(`drill: Worker restarted: wrangler group ${s.pids.wrangler}`);
      },
      startedAt,
      log,
    });
    stops.push(() => killer.stop());
    let produced: Produced | undefined;
    const producing = produce({
      apiUrl: s.apiUrl,
      token: s.token,
      stream: STREAM,
      orders,
      batchSize: c.batch,
      lanes: c.producers,
      keyPrefix: `drill-${c.seed}-${startedAt}`,
      giveUpMs: c.faultTimeoutS * 1000,
      signal,
      delayed: c.delayed,
      random: delayRandom,
    }).then((p) => {
      produced = p;
      log(`drill: producer done in ${p.durationMs} ms: ${p.acked.size} of ${orders.length} acknowledged, ${p.stats.posts} POSTs`);
    });

    const killFailed = () => killer.kills.some((k) => k.error !== undefined);
    const faultPhaseDone = await until(
      "the fault phase",
      () => killFailed() || (produced !== undefined && killer.done && sampler.settled >= c.faultsUntil * produced.acked.size),
      c.faultTimeoutS,
    );
    bridge.enabled = false;
    await killer.stop();
    await producing;
    if (killFailed()) throw new DrillError(`the Worker did not come back after a kill: ${killer.kills.find((k) => k.error)?.error}`);
    const faultPhaseMs = elapsed() - faultStart;
    log(`drill: faults off after ${faultPhaseMs} ms (${sampler.settled} settled)${overlap ? "; stopping the overlapping runs" : "; draining"}`);

    let quiesced: Awaited<ReturnType<typeof quiesce>> | undefined;
    if (overlap) {
      await overlap.stop();
      quiesced = await quiesce({ reader: r, stream: STREAM, group: GROUP, watched: { lists: [reportsKey(FUNCTION)], streams: [LEDGER, DLQ] }, quietMs: c.quietS * 1000, timeoutMs: c.drainTimeoutS * 1000 });
      log(`drill: ${quiesced.quiet ? "every run finished" : "runs still going"} after ${quiesced.waitedMs} ms (${quiesced.pendingLeft} pending); draining with normal runs`);
      const cron = startCronDriver({ workerUrl: s.apiUrl, crons: payments.crons, everySeconds: c.cronEvery, log });
      stops.push(() => cron.stop());
      runner = normalRuns();
    }

    const drainStart = elapsed();
    const drained = await until("the drain", async () => {
      const g = await groupState(r, STREAM, GROUP).catch(() => undefined);
      // Delayed messages not yet due are still to come.
      const waiting = Number(await r.command(["ZCARD", delayedKey(STREAM)]).catch(() => 1));
      return g !== undefined && g.pending === 0 && g.lag === 0 && waiting === 0;
    }, c.drainTimeoutS, 500);
    const drainMs = elapsed() - drainStart;
    log(drained ? `drill: drained in ${drainMs} ms` : `drill: NOT drained after ${c.drainTimeoutS} s`);
    await runner?.stop();
    await sampler.stop();

    const [stream, ledger, deadLetters, group] = [await readStream(r, STREAM), await readStream(r, LEDGER), await readStream(r, DLQ), await groupState(r, STREAM, GROUP)];
    // Delayed orders were acknowledged with delayed ids; the accounting follows them by the stream id promotion gave.
    const outages = killer.kills.map((k) => ({ from: startedAt + k.atMs, to: startedAt + k.atMs + k.downMs }));
    const delayedCheck = checkDelayed(produced!.dueAt, stream, c.cronEvery * 1000, outages, output.tickTimes);
    const acked = new Map(produced!.acked);
    for (const [key, id] of delayedCheck.streamIds) acked.set(key, id);
    const faulty = killer.kills.length > 0 || bridge.counts.status503 + bridge.counts.dropBefore + bridge.counts.dropAfter > 0;
    const accounting = account({
      orders,
      acked,
      stream,
      ledger,
      deadLetters,
      maxDeliveries: options.maxDeliveries,
      attempts: output.attempts,
      deliveries: deliveries.byId,
      killsAtMs: killer.kills.map((k) => k.atMs),
      faulty,
      group: group && { pending: group.pending, lag: group.lag, consumers: group.consumers.map((x) => x.name) },
      consumerPool: consumerPool(options),
      maxConsumerPending: sampler.maxConsumerPending.pending,
    });
    accounting.invariants.unshift({ name: "drained (PEL empty, lag 0)", ok: drained, detail: drained ? `in ${drainMs} ms` : `not within ${c.drainTimeoutS} s` });
    if (delayedCheck.delayed > 0) {
      accounting.invariants.push(...delayedCheck.invariants);
      accounting.ok &&= delayedCheck.invariants.every((i) => i.ok);
    }

    return {
      ok: drained && accounting.ok,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: elapsed(),
      phases: { faultsMs: faultPhaseMs, faultPhaseCompleted: faultPhaseDone, quiesce: quiesced, drainMs },
      store: s.storeDescription,
      readVia: r.via,
      options,
      faults: { bridge: bridge.counts, kills: killer.kills },
      producer: { ...produced!.stats, durationMs: produced!.durationMs, indeterminate: produced!.indeterminate.length, delayed: delayedCheck.delayed, delayedLatestMs: delayedCheck.latestMs, delayedLatestAfterOutageMs: delayedCheck.latestAfterOutageMs },
      runs: { manual: manualStats, overlap: overlap && { perSecond: c.overlap, ...overlap.stats }, cronTicks: output.stats.cronTicks, cronRunErrors: output.stats.cronRunErrors },
      consumers: { seen: [...sampler.consumersSeen].sort(), maxPending: sampler.maxConsumerPending, maxGroupPending: sampler.maxGroupPending, atEnd: group?.consumers ?? [] },
      timeline: sampler.timeline,
      accounting,
    };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type DrillResult = Awaited<ReturnType<typeof runDrill>>;
