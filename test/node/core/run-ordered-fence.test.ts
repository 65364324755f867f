/**
 * An ordered run and its lease: no handler starts that could outlive the
 * lease, a run that lost its lease commits nothing, and a commit that
 * reaches Redis late neither writes nor deletes the next run's lease.
 */
import { describe, expect, it } from "vitest";
import { orderedLeaseKey } from "../../../src/core/redis/keys.js";
import { START_SCRIPT } from "../../../src/core/features/ordered/start.js";
import { runFunction } from "../../../src/core/run/run.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import { age, bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";
import { events, ledgerFunction } from "../../support/ordered-ledger.js";

const f = useFixture();
const transport = bridgeTransport();
const run = (fn: Parameters<typeof runFunction>[0], t: Transport = transport, now?: () => number) =>
  runFunction(fn, { transport: t, vars: {}, trigger: "cron", ...(now ? { now } : {}) });

// Handlers here wait for another run: long enough a timeout that a loaded machine does not time them out.
const SLOW = { handlerTimeoutMs: 4_000, visibilityTimeoutMs: 10_000 };

/** Holds every request after the run's first (its lease and read) until `open()`; says when one is waiting. */
function heldTransport(inner: Transport) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let waiting!: () => void;
  const held = new Promise<void>((r) => (waiting = r));
  const later = <T>(send: () => Promise<T>, first: boolean) => {
    if (first) return send();
    waiting();
    return opened.then(send);
  };
  const isStart = (c: readonly unknown[]) => c[0] === "EVAL" && c[1] === START_SCRIPT;
  const t: Transport = {
    pipeline: (commands) => later(() => inner.pipeline(commands), commands.some(isStart)),
    transaction: (commands) => later(() => inner.transaction(commands), false),
  };
  return { t, open, held };
}

describe("ordered lease", () => {
  it("a batch of one key starts no handler that could outlive the lease; the rest of the key waits for the next run, uncharged", async () => {
    // Lease: maxRunMs 4 s + visibility 7 s + 5 s = 16 s; a handler may start up to 16 − 5 − 2 = 9 s in.
    let clock = Date.now();
    const seen: string[] = [];
    const { fn, ledgerOf } = ledgerFunction(
      f,
      async (m) => {
        seen.push(`${m.fields.account}${m.fields.seq}`);
        clock += 2_000; // each handler takes its whole timeout
      },
      { batchSize: 6, concurrency: 6, handlerTimeoutMs: 2_000, visibilityTimeoutMs: 7_000, maxRunMs: 4_000 },
    );
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1", "a2", "a3", "a4", "a5", "a6"));

    const first = await run(fn, transport, () => clock);
    // a6 would start at 10 s and could end at 12 s, past the lease's end less its margin.
    expect(seen).toEqual(["a1", "a2", "a3", "a4", "a5"]);
    expect(first).toMatchObject({ read: 6, acked: 5, stopReason: expect.not.stringMatching(/error/) });
    expect((await pending(f.tcp, fn.stream, fn.group)).map((p) => p.deliveries)).toEqual([0]);
    expect(await f.tcp.exists(orderedLeaseKey(fn.stream, fn.group))).toBe(0);

    await run(fn);
    expect(await ledgerOf()).toEqual(["a1", "a2", "a3", "a4", "a5", "a6"]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("a run that lost its lease mid-batch commits nothing: each message is in the ledger once, in order", async () => {
    let takeOver: (() => Promise<unknown>) | undefined;
    const { fn, ledgerOf } = ledgerFunction(f, async (m) => {
      if (m.fields.seq !== "3" || !takeOver) return;
      const next = takeOver;
      takeOver = undefined;
      await next();
    }, SLOW);
    takeOver = async () => {
      // The first run's lease runs out while it handles a3; the next run takes over and consumes everything.
      await f.tcp.del(orderedLeaseKey(fn.stream, fn.group));
      await age(f.tcp, fn.stream, fn.group, SLOW.visibilityTimeoutMs);
      expect(await run(fn)).toMatchObject({ reclaimed: 5, acked: 5 });
    };
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1", "a2", "a3", "a4", "a5"));

    const late = await run(fn);
    expect(await ledgerOf()).toEqual(["a1", "a2", "a3", "a4", "a5"]);
    expect(late).toMatchObject({ stopReason: "error", error: expect.stringContaining("LeaseLostError") });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("a final commit that reaches Redis after the next run took the lease writes nothing and leaves that run's lease", async () => {
    let handling!: () => void;
    const bHandling = new Promise<void>((r) => (handling = r));
    let finish!: () => void;
    const bMayFinish = new Promise<void>((r) => (finish = r));
    let second = false;
    const { fn, ledgerOf } = ledgerFunction(f, async () => {
      if (!second) return;
      handling();
      await bMayFinish;
    }, SLOW);
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1"));
    const lease = orderedLeaseKey(fn.stream, fn.group);

    const slow = heldTransport(transport);
    const a = run(fn, slow.t);
    await slow.held; // A handled a1; its final commit (with the lease's release) is on its way.
    await f.tcp.del(lease); // A's lease ran out meanwhile.
    await age(f.tcp, fn.stream, fn.group, SLOW.visibilityTimeoutMs);
    second = true;
    const b = run(fn);
    await bHandling;
    const bLease = await f.tcp.get(lease);
    expect(bLease).not.toBeNull();

    slow.open();
    await a;
    expect(await f.tcp.get(lease)).toBe(bLease);
    expect(await ledgerOf()).toEqual([]);

    finish();
    expect(await b).toMatchObject({ reclaimed: 1, acked: 1 });
    expect(await ledgerOf()).toEqual(["a1"]);
    expect(await f.tcp.exists(lease)).toBe(0);
  });

  it("a run that finds only a retry not yet due, and nothing new, still gives its lease back", async () => {
    const { fn } = ledgerFunction(f, async () => {
      throw new Error("transient");
    }, { backoff: { strategy: "fixed", baseDelayMs: 5_000, maxDelayMs: 5_000 } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1"));
    expect(await run(fn)).toMatchObject({ retried: 1 });
    const idle = await run(fn);
    expect(idle).toMatchObject({ handled: 0, stopReason: "drained" });
    expect(await f.tcp.exists(orderedLeaseKey(fn.stream, fn.group))).toBe(0);
  });
});
