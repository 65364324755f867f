/**
 * One measurement of the fan-out bench: a fresh local stack (redis-server,
 * the bridge with a fixed round trip, a Worker under `wrangler dev`), a
 * backlog of `payments` messages written straight to the streams the Worker
 * consumes, then one cron tick: the time until every message is in
 * `payments:ledger`, and the requests and commands the bridge saw per
 * message. The K rows (the project's Worker) and the P rows (the
 * partitioned Worker, worker.ts here) differ only in the Worker, its
 * bindings and where each message goes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gateKey } from "../../../src/core/redis/keys.js";
import { LEDGER_STREAM, payments } from "../../../src/functions/payments.js";
import { tcpReader, xlen } from "../../drill/reader.js";
import { freePort } from "../../../src/dev/stack/ports.js";
import { PROJECT_DIR, startStack } from "../../../src/dev/stack/stack.js";

/** What a Worker needs besides its backlog. */
export interface DrainSetup {
  /** A wrangler config other than the project's. */
  config?: string;
  vars: Record<string, string>;
  /** The streams the Worker consumes; their groups exist before the backlog is written. */
  streams: readonly string[];
  /** The stream message `fields` is written to. */
  streamOf(fields: Record<string, string>): string;
}

export interface Drained {
  seconds: number;
  perSecond: number;
  requestsPerMessage: number;
  commandsPerMessage: number;
}

/** Message `i` of the backlog: `k` is the partition key (k-0 … k-N), ignored by an unpartitioned stream. */
export const backlogFields = (i: number): Record<string, string> => ({ k: `k-${i}`, orderID: `o${i}`, amount: "1.00" });

export async function measureDrain(setup: DrainSetup, messages: number, latencyMs: number, log: (line: string) => void): Promise<Drained> {
  const dir = await mkdtemp(join(tmpdir(), "cronsumer-fan-out-bench-"));
  const count = { requests: 0, commands: 0 };
  const stack = await startStack({
    // This repository's Worker, wherever the tool is started from.
    projectDir: PROJECT_DIR,
    dir,
    port: await freePort(),
    bridgePort: await freePort(),
    store: "redis-server",
    cron: false,
    latencyMs,
    config: setup.config,
    // Counts what the Worker sends (nothing else talks to the bridge during a measurement).
    faults: {
      before(ctx) {
        count.requests += 1;
        count.commands += ctx.commands.length;
        return undefined;
      },
    },
    vars: { PAYMENTS_LATENCY_MS: "20", ...setup.vars },
    log,
  });
  try {
    const r = await tcpReader(stack.redisUrl!);
    for (const stream of setup.streams) {
      await r.command(["XGROUP", "CREATE", stream, payments.group, "0", "MKSTREAM"]);
      await r.command(["XGROUP", "CREATE", gateKey(stream), payments.group, "$", "MKSTREAM"]);
    }
    await Promise.all(
      Array.from({ length: messages }, (_, i) => {
        const fields = backlogFields(i);
        return r.command(["XADD", setup.streamOf(fields), "*", ...Object.entries(fields).flat()]);
      }),
    );
    count.requests = 0;
    count.commands = 0;
    const t0 = Date.now();
    const tick = await fetch(`${stack.apiUrl}/__scheduled?cron=${encodeURIComponent(payments.crons[0]!)}`);
    if (!tick.ok) throw new Error(`the tick answered ${tick.status}`);
    while ((await xlen(r, LEDGER_STREAM)) < messages) {
      if (Date.now() - t0 > 600_000) throw new Error(`not drained in 10 minutes (${await xlen(r, LEDGER_STREAM)} of ${messages})`);
      await sleep(50);
    }
    const seconds = (Date.now() - t0) / 1000;
    await r.close();
    return { seconds, perSecond: messages / seconds, requestsPerMessage: count.requests / messages, commandsPerMessage: count.commands / messages };
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
