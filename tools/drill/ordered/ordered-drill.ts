/**
 * The ordering drill: the `accounts` function (ordered by `account`) on the
 * real stack, under the payments drill's faults: the Worker killed
 * mid-run, the bridge answering 503 or dropping connections before or after
 * Redis ran a request, manual runs overlapping the cron's. Then faults stop,
 * runs drain the group, and `accounts:ledger` is checked: every account's
 * seqs exactly once each, in increasing order (ledger-check.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { orderedLeaseKey } from "../../../src/core/redis/keys.js";
import { accounts, ACCOUNTS_LEDGER } from "../../../src/functions/accounts.js";
import { mulberry32 } from "../../prng.js";
import { freePort } from "../../stack/ports.js";
import { startStack } from "../../stack/stack.js";
import type { StoreKind } from "../../stack/store.js";
import { switchableFaults } from "../faults/bridge-faults.js";
import { killPoints, startKiller } from "../faults/killer.js";
import { produce } from "../producer.js";
import { readStream, tcpReader, xlen } from "../reader.js";
import { emptyRunnerStats, startRunner } from "../runner.js";
import { groupState } from "../sampler.js";
import type { FaultMix } from "./fault-mix.js";
import { mixedFaults } from "./fault-mix.js";
import { checkLedger } from "./ledger-check.js";
import { makeAccountEvents } from "./workload.js";

/** Short timeouts so a killed run's lease (maxRunMs + visibility + 5 s = 14 s) runs out quickly. */
export const ORDERED_DRILL_VARS: Readonly<Record<string, string>> = {
  ACCOUNTS_LATENCY_MS: "1",
  FN_ACCOUNTS_HANDLER_TIMEOUT_MS: "1000",
  FN_ACCOUNTS_VISIBILITY_TIMEOUT_MS: "6000",
  FN_ACCOUNTS_BATCH_SIZE: "50",
  FN_ACCOUNTS_CONCURRENCY: "50",
  FN_ACCOUNTS_BACKOFF_BASE_DELAY_MS: "200",
  FN_ACCOUNTS_BACKOFF_MAX_DELAY_MS: "1000",
  FN_ACCOUNTS_MAX_SUBREQUESTS: "1000",
  FN_ACCOUNTS_MAX_RUN_MS: "3000",
  FN_ACCOUNTS_MAX_MESSAGES: "2000",
};

export interface OrderedDrillConfig {
  accounts: number;
  perAccount: number;
  failOnce: number;
  seed: number;
  kills: number;
  faultRate: number;
  /** In place of `faultRate`'s even mix: a rate of 503s and one of dropped connections. */
  mix?: Omit<FaultMix, "seed">;
  /** Faults stop once this share of the events is in the ledger. */
  faultsUntil: number;
  cronEvery: number;
  manualLanes: number;
  manualEveryMs: number;
  producers: number;
  batch: number;
  drainTimeoutS: number;
  store: StoreKind;
  redisUrl: string | undefined;
  vars: Record<string, string>;
  /** Log the ledger's length and the lease's time to live every 250 ms. */
  trace?: boolean;
}

export async function runOrderedDrill(c: OrderedDrillConfig, log: (line: string) => void) {
  const startedAt = Date.now();
  const elapsed = () => Date.now() - startedAt;
  const random = mulberry32(c.seed);
  const events = makeAccountEvents(c.accounts, c.perAccount, c.failOnce, c.producers, random, `s${c.seed}`);
  const total = c.accounts * c.perAccount;
  const bridge = switchableFaults({ rate: c.faultRate, seed: c.seed, ...(c.mix ? { inner: mixedFaults({ ...c.mix, seed: c.seed }) } : {}) });
  const dir = await mkdtemp(join(tmpdir(), "cronsumer-ordered-drill-"));
  const stack = await startStack({
    dir,
    port: await freePort(),
    bridgePort: await freePort(),
    store: c.store,
    redisUrl: c.redisUrl,
    vars: c.vars,
    cron: { everySeconds: c.cronEvery },
    faults: bridge.faults,
    log,
  });
  const stops: (() => Promise<unknown>)[] = [];
  try {
    if (!stack.redisUrl) throw new Error("the ordering drill needs a real Redis (Lua): use --store redis-server or redis-url");
    const r = await tcpReader(stack.redisUrl);
    stops.push(() => r.close());
    for (const key of [accounts.stream, ACCOUNTS_LEDGER]) {
      if (Number(await r.command(["EXISTS", key])) > 0) throw new Error(`${key} already exists in this Redis: the drill needs a Redis without it`);
    }
    let inLedger = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        inLedger = await xlen(r, ACCOUNTS_LEDGER).catch(() => inLedger);
        if (c.trace) log(`ordered drill: ${elapsed()} ms: ${inLedger} in the ledger, lease ${String(await r.command(["PTTL", orderedLeaseKey(accounts.stream, accounts.group)]).catch(() => "?"))} ms`);
        await sleep(250);
      }
    })();
    stops.push(async () => {
      watching = false;
      await watcher;
    });

    bridge.enabled = c.mix ? c.mix.status503Rate + c.mix.dropRate > 0 : c.faultRate > 0;
    const manual = emptyRunnerStats();
    const runner = startRunner({ apiUrl: stack.apiUrl, token: stack.token, fn: accounts.name, lanes: c.manualLanes, everyMs: c.manualEveryMs }, manual);
    stops.push(() => runner.stop());
    const killer = startKiller({
      points: killPoints(c.kills, random),
      random,
      progress: () => inLedger / total,
      runsInFlight: () => runner.inFlight,
      kill: () => stack.crashWorker(),
      startedAt,
      log,
    });
    stops.push(() => killer.stop());
    const consumeFrom = elapsed();
    // One producer per lane of accounts, each sending its batches one after another: enqueue order is seq order.
    const produced = await Promise.all(
      events.lanes.map((orders, i) =>
        produce({ apiUrl: stack.apiUrl, token: stack.token, stream: accounts.stream, orders, batchSize: c.batch, lanes: 1, keyPrefix: `ordered-${c.seed}-${startedAt}-l${i}`, giveUpMs: 600_000 }),
      ),
    );
    const indeterminate = produced.reduce((n, p) => n + p.indeterminate.length, 0);
    log(`ordered drill: produced in ${elapsed()} ms (${indeterminate} indeterminate)`);
    while (!(killer.done && inLedger >= c.faultsUntil * total)) await sleep(250);
    bridge.enabled = false;
    await killer.stop();
    const faultsMs = elapsed();
    log(`ordered drill: faults off after ${faultsMs} ms (${inLedger} of ${total} in the ledger)`);

    const drainDeadline = Date.now() + c.drainTimeoutS * 1000;
    let drained = false;
    while (!drained && Date.now() < drainDeadline) {
      const g = await groupState(r, accounts.stream, accounts.group).catch(() => undefined);
      drained = g !== undefined && g.pending === 0 && g.lag === 0;
      if (!drained) await sleep(250);
    }
    // From the first enqueue to an empty group: what the comparison of faulty and fault-free drills divides.
    const consumeMs = elapsed() - consumeFrom;
    await runner.stop();
    const ledger = await readStream(r, ACCOUNTS_LEDGER);
    const deadLetters = await readStream(r, accounts.options.deadLetterStream!);
    const verdict = checkLedger(ledger, events.expected);
    return {
      ok: drained && verdict.ok && indeterminate === 0 && deadLetters.length === 0,
      durationMs: elapsed(),
      consumeMs,
      faultsMs,
      drained,
      events: total,
      deadLetters: deadLetters.length,
      indeterminate,
      faults: { bridge: bridge.counts, kills: killer.kills.map((k) => ({ atMs: k.atMs, progress: Number(k.progress.toFixed(3)), runsInFlight: k.runsInFlight, error: k.error })) },
      manualRuns: manual,
      verdict,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
