/**
 * Visibility extension (`maxHandlerMs`, handle/visibility.ts) against a real
 * Redis through the bridge: a handler that runs three visibility timeouts
 * while overlapping runs fire every second is handled once, with no delivery
 * charged; a run killed mid-handler gives its message back within one
 * timeout; and a run whose message was reclaimed does not take it back, even
 * when the reclaiming run reads as the same consumer name.
 */
import { describe, expect, it } from "vitest";
import type { BatchContext, BatchMessage } from "../../../src/core/define/define.js";
import type { RunReport } from "../../../src/core/features/report.js";
import { runFunction } from "../../../src/core/run/run.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const VT = 2_000;
const options = { visibilityTimeoutMs: VT, handlerTimeoutMs: 7_000, maxHandlerMs: 7_000, maxRunMs: 10_000, batchSize: 1, concurrency: 1, maxDeliveries: 5 };

/** A transport that stops answering once `kill()` is called, as a run's isolate does when it is evicted. */
function killable(inner: Transport): Transport & { kill(): void } {
  let dead = false;
  const hang = <T>(): Promise<T> => new Promise<T>(() => {});
  return {
    kill: () => void (dead = true),
    pipeline: (commands) => (dead ? hang() : inner.pipeline(commands)),
    transaction: (commands) => (dead ? hang() : inner.transaction(commands)),
  } as Transport & { kill(): void };
}

describe("visibility extension", () => {
  it("handles a message whose handler runs 3× visibilityTimeoutMs once, under runs overlapping every second, with no delivery charged", async () => {
    const calls: { attempt: number; deliveriesSeen: number[] }[] = [];
    const fn = f.fn({
      handle: async (m, ctx) => {
        const seen: number[] = [];
        calls.push({ attempt: m.attempt, deliveriesSeen: seen });
        for (let t = 0; t < 3 * VT; t += 500) {
          await sleep(500);
          seen.push((await pending(f.tcp, m.stream, m.group)).find((p) => p.id === m.id)?.deliveries ?? -1);
        }
        ctx.effects.rpush(`${m.stream}:done`, m.id);
      },
      options,
    });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ n: "1" }]);

    const runs: Promise<RunReport>[] = [];
    for (let i = 0; i < 8; i++) {
      runs.push(runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual", slot: i }));
      await sleep(1_000);
    }
    const reports = await Promise.all(runs);

    expect(calls.map((c) => c.attempt)).toEqual([1]);
    // Redis's own count, read while the handler ran: never charged past the first delivery.
    expect(new Set(calls[0]!.deliveriesSeen)).toEqual(new Set([1]));
    expect(reports.reduce((n, r) => n + r.reclaimed, 0)).toBe(0);
    expect(reports.reduce((n, r) => n + r.acked, 0)).toBe(1);
    expect(reports.map((r) => r.error).filter(Boolean)).toEqual([]);
    expect(await f.tcp.lRange(`${fn.stream}:done`, 0, -1)).toEqual([id]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    await f.tcp.del(`${fn.stream}:done`);
  }, 20_000);

  it("gives a killed run's message back within one visibility timeout of the kill", async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const attempts: number[] = [];
    const fn = f.fn({
      handle: async (m) => {
        attempts.push(m.attempt);
        if (m.attempt === 1) {
          started();
          await new Promise(() => {});
        }
      },
      options,
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ n: "1" }]);

    const doomed = killable(bridgeTransport());
    void runFunction(fn, { transport: doomed, vars: {}, trigger: "manual", slot: 0 });
    await started;
    // Long enough for heartbeats to have kept it past one timeout before the kill.
    await sleep(VT * 1.5);
    expect(await pending(f.tcp, fn.stream, fn.group)).toMatchObject([{ deliveries: 1 }]);
    doomed.kill();
    const killedAt = Date.now();

    let reclaimedAt: number | undefined;
    while (reclaimedAt === undefined && Date.now() - killedAt < 3 * VT) {
      const report = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual", slot: 1 });
      if (report.reclaimed > 0) reclaimedAt = Date.now();
      else await sleep(100);
    }

    expect(reclaimedAt).toBeDefined();
    expect(reclaimedAt! - killedAt).toBeLessThanOrEqual(VT + 300);
    expect(attempts).toEqual([1, 2]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  }, 20_000);

  it("does not take back a message another run reclaimed under the same consumer name: its attempt is stopped and nothing of it is committed", async () => {
    let aborted: unknown;
    let handling!: () => void;
    const started = new Promise<void>((resolve) => (handling = resolve));
    const fn = f.fn({
      handle: async (m, ctx) => {
        ctx.effects.rpush(`${m.stream}:effects`, "written by the run that lost it");
        handling();
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
        aborted = ctx.signal.reason;
      },
      options,
    });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ n: "1" }]);

    // The run's extensions are held up (a slow network) until the entry is idle past the timeout and recovery took it.
    const slow = stallable(bridgeTransport());
    const run = runFunction(fn, { transport: slow, vars: {}, trigger: "manual", slot: 0 });
    await started;
    slow.stall();
    await sleep(VT + 300);
    // What a pool-mate's recovery does then: a claim of the idle entry, charging a delivery, to the same consumer name.
    const { consumer } = (await pending(f.tcp, fn.stream, fn.group))[0]!;
    expect(await f.tcp.sendCommand(["XCLAIM", fn.stream, fn.group, consumer, String(VT), id!])).toHaveLength(1);
    const reclaimedAt = Date.now();
    slow.release();
    const report = await run;

    expect(String(aborted)).toMatch(/VisibilityLostError/);
    expect(report).toMatchObject({ acked: 0, retried: 0, deadLettered: 0 });
    expect(report.error).toMatch(/lost to another run/);
    expect(await f.tcp.lRange(`${fn.stream}:effects`, 0, -1)).toEqual([]);
    // Pending as the reclaiming run left it: not acknowledged, and its idle time not reset by the losing run.
    const [entry] = await pending(f.tcp, fn.stream, fn.group);
    expect(entry).toMatchObject({ id, consumer, deliveries: 2 });
    expect(entry!.idleMs).toBeGreaterThanOrEqual(Date.now() - reclaimedAt - 20);
  }, 20_000);
});

describe("visibility extension riding on a handler's reads", () => {
  it("sends no request of its own while the handler reads from Redis often enough", async () => {
    let reads = 0;
    const fn = f.fn({
      handle: async (m, ctx) => {
        for (let t = 0; t < 3 * VT; t += 300) {
          await sleep(300);
          await ctx.read(["XLEN", m.stream]);
          reads += 1;
        }
      },
      options,
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ n: "1" }]);

    const first = runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual", slot: 0 });
    await sleep(VT * 1.5);
    const overlapping = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual", slot: 1 });
    const report = await first;

    expect(overlapping.reclaimed).toBe(0);
    expect(report).toMatchObject({ read: 1, acked: 1, reclaimed: 0 });
    // The first request, the handler's reads, and the commit: every extension rode on a read.
    expect(report.requests).toBe(1 + reads + 1);
    expect(report.commands).toBeGreaterThan(2 + reads + 1);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  }, 20_000);
});

describe("visibility extension within the subrequest budget", () => {
  it("gives the batch up, committing nothing, when the budget cannot pay for an extension: the message comes back after the timeout", async () => {
    let reason: unknown;
    const fn = f.fn({
      handle: async (m, ctx) => {
        ctx.effects.rpush(`${m.stream}:effects`, "never committed");
        ctx.extendVisibility(6_000);
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
        reason = ctx.signal.reason;
      },
      // A read, the one extension a 1 s handlerTimeoutMs needs (kept free before the read), the commit, and the recovery
      // claim validation keeps room for: no second extension for a longer attempt.
      options: { ...options, handlerTimeoutMs: 1_000, maxSubrequests: 4 },
    });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ n: "1" }]);

    const report = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });

    expect(String(reason)).toMatch(/VisibilityLostError: message \S+ is no longer this run's \(the subrequest budget could not pay for extending its visibility\)/);
    expect(report).toMatchObject({ read: 1, acked: 0, retried: 0 });
    expect(report.requests).toBeLessThanOrEqual(4);
    expect(await f.tcp.lRange(`${fn.stream}:effects`, 0, -1)).toEqual([]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toMatchObject([{ id, deliveries: 1 }]);
  }, 20_000);
});

describe("visibility extension composed", () => {
  /** Starts a run now and one a second for `more` seconds, each as the next consumer slot. */
  async function overlapping(fn: Parameters<typeof runFunction>[0], more: number): Promise<RunReport[]> {
    const runs: Promise<RunReport>[] = [];
    for (let i = 0; i <= more; i++) {
      if (i > 0) await sleep(1_000);
      runs.push(runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual", slot: i }));
    }
    return Promise.all(runs);
  }

  it("with handleBatch: ctx.extendVisibility moves the whole call's deadline, and its messages are handled once", async () => {
    const calls: string[][] = [];
    const fn = f.fn({
      handle: undefined,
      handleBatch: async (messages: BatchMessage[], ctx: BatchContext) => {
        calls.push(messages.map((m) => `${m.id}@${m.attempt}`));
        ctx.extendVisibility(6_000);
        await sleep(2.5 * VT);
      },
      options: { ...options, handlerTimeoutMs: 1_000, batchSize: 2, concurrency: 2 },
    } as never);
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2" }]);

    const reports = await overlapping(fn, 6);

    expect(calls).toEqual([ids.map((id) => `${id}@1`)]);
    expect(reports.reduce((n, r) => n + r.acked, 0)).toBe(2);
    expect(reports.reduce((n, r) => n + r.reclaimed, 0)).toBe(0);
    expect(reports.flatMap((r) => r.failures)).toEqual([]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  }, 20_000);

  it("with ordered: the run holding the lease keeps its message past the timeout, the others find it leased, and it is handled once", async () => {
    const calls: number[] = [];
    const fn = f.fn({
      handle: async (m) => {
        calls.push(m.attempt);
        await sleep(2.5 * VT);
      },
      options: { ...options, ordered: true, partitionKey: "k" },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ k: "a" }]);

    const reports = await overlapping(fn, 5);

    expect(calls).toEqual([1]);
    expect(reports[0]).toMatchObject({ acked: 1 });
    expect(reports.slice(1).every((r) => r.stopReason === "leased" || r.read + r.reclaimed === 0)).toBe(true);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  }, 20_000);
});

/** A transport whose pipelines (the extensions; a commit is a transaction) wait while stalled. */
function stallable(inner: Transport): Transport & { stall(): void; release(): void } {
  let gate: Promise<void> | undefined;
  let open = () => {};
  return {
    stall: () => void (gate = new Promise<void>((resolve) => (open = resolve))),
    release: () => {
      gate = undefined;
      open();
    },
    pipeline: async (commands) => {
      await gate;
      return inner.pipeline(commands);
    },
    transaction: (commands) => inner.transaction(commands),
  } as Transport & { stall(): void; release(): void };
}
