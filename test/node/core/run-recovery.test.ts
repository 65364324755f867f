/**
 * Recovery: what a crashed run left pending is reclaimed after the
 * visibility timeout, from any consumer, however deep it sits in the PEL.
 * Idle times are set with XCLAIM … IDLE over TCP: Redis measures idle time
 * on its own clock, so this is exactly what waiting would produce.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { fromRecovery, readRecovery, recoverOps } from "../../../src/core/run/fetch.js";
import { sendTransaction } from "../../../src/core/redis/ops.js";
import type { AutoClaimReply } from "../../../src/core/redis/parse-replies.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, entries, faultyBridge, useFixture, pending } from "../../support/engine.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";

const f = useFixture();

const transport = bridgeTransport();
const VT = 60_000;
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderID: `o${i}` }));

describe("recovery", () => {
  it("redelivers what a crashed run read but never acknowledged, after the visibility timeout, as attempt 2", async () => {
    const seen: Message[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m), options: { visibilityTimeoutMs: VT } });
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, orders(3));
    // The crash: every commit is lost before Redis sees it.
    const broken = await faultyBridge({ before: (ctx) => (ctx.path === "/multi-exec" ? "drop" : undefined) });
    const crashed = await runFunction(fn, { transport: broken.transport, vars: {}, trigger: "cron" });
    await broken.close();
    expect(crashed.stopReason).toBe("error");
    expect((await pending(f.tcp, fn.stream, fn.group)).map((p) => p.id)).toEqual(ids);

    seen.length = 0;
    const early = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(early.reclaimed).toBe(0);
    expect(seen).toEqual([]);

    await age(f.tcp, fn.stream, fn.group, VT);
    const late = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(seen.map((m) => [m.id, m.attempt])).toEqual(ids.map((id) => [id, 2]));
    expect(late).toMatchObject({ reclaimed: 3, acked: 3 });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("reclaims from any consumer of the group, and never deletes that consumer", async () => {
    const seen: string[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m.id), options: { visibilityTimeoutMs: VT } });
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, orders(4));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "old-worker", "COUNT", "10", "STREAMS", fn.stream, ">"]);
    await age(f.tcp, fn.stream, fn.group, VT + 1);
    await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(seen).toEqual(ids);
    const consumers = (await f.tcp.xInfoConsumers(fn.stream, fn.group)) as { name: string }[];
    expect(consumers.map((c) => c.name)).toContain("old-worker");
  });

  it("acknowledges and counts entries whose payload was deleted, and never hands them to a handler", async () => {
    const seen: string[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m.id), options: { visibilityTimeoutMs: VT } });
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, orders(5));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "old-worker", "COUNT", "10", "STREAMS", fn.stream, ">"]);
    // Aged first: in Redis 7 an XCLAIM (which `age` uses) would itself purge deleted entries.
    await age(f.tcp, fn.stream, fn.group, VT);
    await f.tcp.xDel(fn.stream, [ids[1]!, ids[3]!]);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(seen).toEqual([ids[0], ids[2], ids[4]]);
    expect(report).toMatchObject({ dropped: 2, reclaimed: 3, acked: 3, stopReason: "drained" });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("dead-letters a reclaimed message already at maxDeliveries without delivering it again", async () => {
    const seen: string[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m.id), options: { visibilityTimeoutMs: VT, maxDeliveries: 3 } });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ orderID: "x" }]);
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "old-worker", "COUNT", "10", "STREAMS", fn.stream, ">"]);
    await f.tcp.sendCommand(["XCLAIM", fn.stream, fn.group, "old-worker", "0", id!, "IDLE", String(VT), "RETRYCOUNT", "3", "JUSTID"]);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(seen).toEqual([]);
    expect(report).toMatchObject({ reclaimed: 1, deadLettered: 1 });
    const dlq = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.message).toMatchObject({ "original-id": id, deliveries: "3", group: "g", fields: JSON.stringify({ orderID: "x" }) });
    expect(dlq[0]!.message.error).toMatch(/never completed/);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("finds idle entries behind a long run of entries that are not idle, with a small budget", async () => {
    const seen: string[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m.id), options: { visibilityTimeoutMs: VT, batchSize: 5, concurrency: 5, maxSubrequests: 4 } });
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, orders(400));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "busy-worker", "COUNT", "400", "STREAMS", fn.stream, ">"]);
    // Only the last 3 of 400 pending entries are idle: XAUTOCLAIM alone would scan 50 per call.
    const deep = ids.slice(-3);
    for (const id of deep) await f.tcp.sendCommand(["XCLAIM", fn.stream, fn.group, "busy-worker", "0", id, "IDLE", String(VT), "JUSTID"]);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(seen).toEqual(deep);
    expect(report.requests).toBeLessThanOrEqual(4);
    expect((await pending(f.tcp, fn.stream, fn.group)).length).toBe(397);
  });

  it("works through a PEL larger than one run's budget across runs, without spinning", async () => {
    const seen = new Set<string>();
    const fn = f.fn({ handle: async (m) => void seen.add(m.id), options: { visibilityTimeoutMs: VT, batchSize: 10, maxSubrequests: 6 } });
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, orders(120));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "dead-worker", "COUNT", "200", "STREAMS", fn.stream, ">"]);
    await age(f.tcp, fn.stream, fn.group, VT);
    let runs = 0;
    while ((await pending(f.tcp, fn.stream, fn.group)).length > 0 && runs < 50) {
      const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
      expect(report.requests).toBeLessThanOrEqual(6);
      runs += 1;
    }
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(runs).toBeGreaterThan(1);
  });
});

/**
 * Recovery must count only real deliveries. Parked retries are set with
 * XCLAIM … IDLE to just under the visibility timeout: due within a second,
 * so XPENDING … IDLE (vt − 1 s) lists them, but not yet idle enough for
 * XAUTOCLAIM.
 */
describe("recovery counts only deliveries a handler saw", () => {
  /** A failing handler; 30 entries to park, then the one to recover, all delivered once to old-worker. */
  async function setup() {
    const calls: number[] = [];
    const fn = f.fn({
      handle: async (m) => {
        calls.push(m.attempt);
        throw new Error("still failing");
      },
      options: { visibilityTimeoutMs: VT, batchSize: 5, concurrency: 5, maxDeliveries: 3 },
    });
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, orders(31));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "old-worker", "COUNT", "100", "STREAMS", fn.stream, ">"]);
    // 30 parked retries, then one idle entry: XAUTOCLAIM … COUNT 5 scans 50, so it claims the idle one.
    const park = async () => {
      await f.tcp.sendCommand(["XCLAIM", fn.stream, fn.group, "parked", "0", ...ids.slice(0, 30), "IDLE", String(VT - 700), "JUSTID"]);
      await f.tcp.sendCommand(["XCLAIM", fn.stream, fn.group, "parked", "0", ids[30]!, "IDLE", String(VT), "JUSTID"]);
    };
    return { fn, calls, idle: ids[30]!, park };
  }

  it("hands an idle entry behind many nearly-due parked retries to its handler, with a delivery count equal to its real deliveries", async () => {
    const { fn, calls, idle, park } = await setup();
    await park();
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(calls).toEqual([2]);
    expect(report).toMatchObject({ reclaimed: 1, retried: 1 });
    // Listed, not looked up afterwards: the listing covers what XAUTOCLAIM scans.
    expect(report.error).toBeUndefined();
    const entry = (await pending(f.tcp, fn.stream, fn.group)).find((p) => p.id === idle);
    // One delivery to old-worker, one to the handler: nothing counted that no handler saw.
    expect(entry?.deliveries).toBe(2);
  });

  it("never lets a message reach maxDeliveries without its handler being called", async () => {
    const { fn, calls, idle, park } = await setup();
    for (let run = 0; run < 3; run++) {
      await park();
      await runFunction(fn, { transport, vars: {}, trigger: "cron" });
      const entry = (await pending(f.tcp, fn.stream, fn.group)).find((p) => p.id === idle);
      const deliveries = entry?.deliveries ?? 3;
      // 1 (old-worker) + the handler's calls, never more.
      expect(deliveries).toBe(1 + calls.length);
    }
    expect(calls).toEqual([2, 3]);
    expect((await entries(f.tcp, fn.options.deadLetterStream!)).map((e) => e.message["original-id"])).toEqual([idle]);
  });
});

/** `id` pending on a crashed consumer, with `deliveries` counted and idle for `idleMs`, as Redis would hold it. */
async function parkOnCrashedConsumer(fn: { stream: string; group: string }, id: string, deliveries: number, idleMs: number): Promise<void> {
  await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "old-worker", "COUNT", "1", "STREAMS", fn.stream, ">"]);
  await f.tcp.sendCommand(["XCLAIM", fn.stream, fn.group, "old-worker", "0", id, "IDLE", String(idleMs), "RETRYCOUNT", String(deliveries), "JUSTID"]);
}

describe("recovery when the listing misses a claimed entry", () => {
  const limits = { maxDeliveries: 5, visibilityTimeoutMs: VT };

  /** A server that scans further than Redis's 10·n is simulated by an empty listing. */
  async function claimUnlisted(deliveries: number) {
    const fn = f.fn({ handle: async () => {} });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ orderID: "x" }]);
    await parkOnCrashedConsumer(fn, id!, deliveries, VT);
    const target = { stream: fn.stream, group: fn.group, consumer: "c-0" };
    const [, claim] = await sendTransaction(transport, recoverOps(target, VT, "0-0", 5));
    return { fn, id, recovered: await readRecovery(transport, target, [], claim, limits) };
  }

  it("reads the delivery count after the claim, and hands the message over on its real count", async () => {
    const { fn, id, recovered } = await claimUnlisted(2);
    expect(recovered.toHandle.map((m) => [m.id, m.attempt])).toEqual([[id, 3]]);
    expect(recovered.released).toEqual([]);
    expect(recovered.note).toMatch(/did not hold 1 entries|listing before it did not hold/);
    expect((await pending(f.tcp, fn.stream, fn.group)).map((p) => p.deliveries)).toEqual([3]);
  });

  it("dead-letters it without a handler when its real count is already maxDeliveries", async () => {
    const { id, recovered } = await claimUnlisted(5);
    expect(recovered.toHandle).toEqual([]);
    expect(recovered.expired.map((e) => [e.message.id, e.deliveries])).toEqual([[id, 5]]);
  });
});

/**
 * Redis 7.0 reads its clock once per command of a MULTI, so an entry can turn
 * idle enough between the XPENDING and the XAUTOCLAIM sent together. Parked
 * entries are spread one millisecond apart just below the timeout, and a long
 * tail of fresh entries makes the XPENDING take milliseconds: some of them
 * cross the threshold inside the MULTI. The listing's slack must hold them.
 */
describe.skipIf(ON_ENGINE)(realRedisOnly("recovery listing slack"), () => {
  it("lists every entry that turns idle between the XPENDING and the XAUTOCLAIM of one MULTI", { timeout: 60_000 }, async () => {
    const seen = new Map<string, number>();
    const fn = f.fn({ handle: async (m) => void seen.set(m.id, m.attempt), options: { visibilityTimeoutMs: VT, batchSize: 100, concurrency: 100 } });
    await f.createGroup(fn);
    // Due 2 ms apart over 1.2 s, since the run's first recovery request comes some unknown time after parking.
    const PARKED = 600;
    const ids = await Promise.all(Array.from({ length: PARKED + 50_000 }, (_, i) => f.tcp.xAdd(fn.stream, "*", { i: String(i) })));
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "old-worker", "COUNT", String(ids.length), "STREAMS", fn.stream, ">"]);
    // Least idle first, so XAUTOCLAIM skips those not yet due and claims the ones that just crossed.
    const park = f.tcp.multi();
    ids.slice(0, PARKED).forEach((id, i) => park.addCommand(["XCLAIM", fn.stream, fn.group, "parked", "0", id, "IDLE", String(VT - 2 * (PARKED - i)), "JUSTID"]));
    await park.exec();

    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    // Without the slack, crossing entries are claimed but not listed, and cost a lookup reported here.
    expect(report.error).toBeUndefined();
    expect([...seen.values()].every((attempt) => attempt === 2)).toBe(true);
    const left = await pending(f.tcp, fn.stream, fn.group);
    expect(left.filter((p) => seen.has(p.id))).toEqual([]);
  });
});

describe("Redis 6.2's bare nil in XAUTOCLAIM", () => {
  const target = { stream: "s", group: "g", consumer: "c" };
  const limits = { maxDeliveries: 5, visibilityTimeoutMs: VT };
  const listed = (id: string, idleMs: number) => ({ id, consumer: "x", idleMs, deliveries: 1 });
  const claim = (list: ({ id: string } | null)[], cursor = "0-0"): AutoClaimReply => ({
    cursor,
    claimed: list.flatMap((e) => (e ? [{ id: e.id, fields: { a: "1" } }] : [])),
    deleted: [],
    nilPositions: list.flatMap((e, index) => (e ? [] : [{ index, id: null }])),
  });

  it("skips a listed entry that was not yet claimable, and acknowledges only the one certainly claimed", () => {
    // 1-5 was listed within the slack but not idle enough: XAUTOCLAIM passed over it.
    const before = [listed("1-0", VT + 10_000), listed("1-5", VT - 500), listed("2-0", VT + 10_000)];
    const fetched = fromRecovery(target, before, claim([{ id: "1-0" }, null]), limits);
    expect(fetched.toHandle.map((m) => m.id)).toEqual(["1-0"]);
    expect(fetched.trimmed).toEqual([{ id: "2-0", stream: "s" }]);
    expect(fetched.dropped).toBe(1);
    expect(fetched.note).toBeUndefined();
  });

  it("acknowledges nothing when the nil could be either of two entries, and says so", () => {
    // 2-0 crossed the threshold inside the MULTI: it or 1-5 is the nil, nobody can tell which.
    const before = [listed("1-0", VT + 10_000), listed("1-5", VT - 500), listed("2-0", VT - 2), listed("3-0", VT + 10_000)];
    const fetched = fromRecovery(target, before, claim([{ id: "1-0" }, null, { id: "3-0" }]), limits);
    expect(fetched.toHandle.map((m) => m.id)).toEqual(["1-0", "3-0"]);
    expect(fetched.trimmed).toEqual([]);
    expect(fetched.dropped).toBe(0);
    expect(fetched.note).toMatch(/bare nil .* left pending/);
  });

  it("finds a nil before the first claimed entry, bounded by the cursor after the last", () => {
    const before = [listed("0-5", VT - 100), listed("1-0", VT + 1), listed("2-0", VT), listed("4-0", VT + 5)];
    const fetched = fromRecovery(target, before, claim([null, { id: "2-0" }, null], "4-0"), limits);
    expect(fetched.trimmed).toEqual([{ id: "1-0", stream: "s" }]);
    // 4-0 is the cursor, not yet examined: the second nil has no certain candidate.
    expect(fetched.note).toMatch(/1 trimmed entry/);
  });
});

describe("a retry whose entry left the PEL while its handler ran", () => {
  it("reports the ids its XCLAIM … JUSTID did not claim", async () => {
    const fn = f.fn({
      handle: async () => {
        // Someone deletes the run's consumer mid-batch: DELCONSUMER drops its pending entries.
        await f.tcp.sendCommand(["XGROUP", "DELCONSUMER", fn.stream, fn.group, `${fn.name}-0`]);
        throw new Error("failing, to be retried");
      },
      options: { visibilityTimeoutMs: VT },
    });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, [{ orderID: "x" }]);
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron", slot: 0 });
    expect(report.retried).toBe(1);
    expect(report.error).toMatch(new RegExp(`XCLAIM rescheduled 0 of 1 ids; not pending any more .*${id}`));
  });
});

describe("a dead letter of a message Redis counted past maxDeliveries", () => {
  it("says maxDeliveries, not the claims of runs whose dead-letter commit was lost, and names those claims", async () => {
    const seen: Message[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m), options: { maxDeliveries: 2 } });
    await f.createGroup(fn);
    const [id] = await enqueue(f.tcp, fn.stream, orders(1));
    // Two deliveries, then two recovery claims whose dead-letter commits were lost: Redis counts 4.
    await parkOnCrashedConsumer(fn, id!, 4, VT * 2);
    await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(seen).toEqual([]);
    const [letter] = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(letter!.message["original-id"]).toBe(id);
    expect(letter!.message.deliveries).toBe("2");
    expect(letter!.message.error).toBe(
      "delivery 2 of 2 never completed (the handler crashed, or overran the visibility timeout); claimed 2 more time(s) by runs whose dead-letter commit was lost",
    );
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
