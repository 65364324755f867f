/**
 * `ordered` with `partitions`: each partition is consumed in order by its
 * own member, and the P members run side by side (their requests merged, as
 * a partitioned deployment sends them). One key lives in one partition, so
 * per-key order holds across partitions, retries included.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { coalescingTransport } from "../../../src/core/redis/coalescing-transport.js";
import { attemptErrorsKey, gateKey, orderedHeldKey, orderedLeaseKey, pauseKey, reportsKey } from "../../../src/core/redis/keys.js";
import { memberName, partitionOfKey, partitionStream } from "../../../src/core/define/partitions.js";
import { runScheduled } from "../../../src/functions/scheduled.js";
import { bridgeTransport, entries, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const P = 4;
const DELAY = 1_000;
const ACCOUNTS = ["a", "b", "c", "d", "e", "f", "g", "h"];
const SEQS = 4;
const cleanup: string[] = [];
afterAll(() => (cleanup.length > 0 ? f.tcp.del(cleanup) : undefined));

describe("an ordered function partitioned in 4", () => {
  it("keeps every account's order across retries while its partitions run in parallel", async () => {
    const ledger = `test:effects:ledger:${Math.random().toString(36).slice(2)}`;
    const fn = f.fn({
      partitions: { count: P, key: "account" },
      handle: async (m, ctx) => {
        if (m.fields.fail === "once" && m.attempt === 1) throw new Error("transient");
        ctx.effects.xadd(ledger, { account: m.fields.account!, seq: m.fields.seq! });
      },
      options: {
        ordered: true,
        startId: "0",
        maxCpuMs: 1_000,
        visibilityTimeoutMs: 6_000,
        handlerTimeoutMs: 500,
        backoff: { strategy: "fixed", baseDelayMs: DELAY, maxDelayMs: DELAY },
      },
    });
    const streams = Array.from({ length: P }, (_, i) => partitionStream(fn.stream, i));
    cleanup.push(ledger, ...streams.flatMap((s, i) => [s, `${s}:dlq`, gateKey(s), pauseKey(s, fn.group), orderedHeldKey(s, fn.group), orderedLeaseKey(s, fn.group), attemptErrorsKey(s, fn.group), reportsKey(memberName(fn.name, i))]));
    expect(new Set(ACCOUNTS.map((a) => partitionOfKey(a, P))).size).toBeGreaterThan(1);

    // Interleaved, and the first and a middle message of some accounts fail once.
    for (let seq = 1; seq <= SEQS; seq++) {
      for (const account of ACCOUNTS) {
        const fail = (account === "a" && seq === 1) || (account === "c" && seq === 2) || (account === "f" && seq === 3);
        await f.tcp.xAdd(partitionStream(fn.stream, partitionOfKey(account, P)), "*", { account, seq: String(seq), ...(fail ? { fail: "once" } : {}) });
      }
    }
    const t = coalescingTransport(bridgeTransport(), { maxRequestBytes: 8 * 1024 * 1024 });
    const ledgerOf = async () => (await entries(f.tcp, ledger)).map((e) => [e.message.account!, Number(e.message.seq)] as const);
    for (let tick = 0; tick < 6 && (await ledgerOf()).length < ACCOUNTS.length * SEQS; tick++) {
      await runScheduled([fn], "* * * * *", Date.now(), {}, t);
      await sleep(DELAY);
    }

    const written = await ledgerOf();
    for (const account of ACCOUNTS) expect(written.filter(([a]) => a === account).map(([, s]) => s)).toEqual([1, 2, 3, 4]);
    expect(written).toHaveLength(ACCOUNTS.length * SEQS);
    for (const s of streams) expect(await pending(f.tcp, s, fn.group)).toEqual([]);
  });
});
