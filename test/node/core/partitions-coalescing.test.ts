/**
 * Several partitions per request: the members of a partitioned function run
 * side by side, and a coalescing transport merges their requests of one
 * macrotask into one HTTP request. Measured at the bridge of a database of
 * its own, so nothing else counts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coalescingTransport } from "../../../src/core/redis/coalescing-transport.js";
import { countingTransport } from "../../../src/core/redis/counting-transport.js";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { RedisReplyError } from "../../../src/core/redis/errors.js";
import { partitionStream, routeFields } from "../../../src/core/define/partitions.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import { transportFromEnv } from "../../../src/functions/redis.js";
import { runScheduled } from "../../../src/functions/scheduled.js";
import type { Database } from "../../support/databases.js";
import { startDatabase } from "../../support/databases.js";
import { age, entries, pending } from "../../support/engine.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";

const P = 4;
const VT = 6_000;
const MAX_BYTES = 8 * 1024 * 1024;

describe.skipIf(ON_ENGINE)(realRedisOnly("requests of P partitions merged into one", "a redis-server of its own"), () => {
  let db: Database;
  let t: Transport;
  beforeAll(async () => {
    db = await startDatabase();
    t = coalescingTransport(db.transport, { maxRequestBytes: MAX_BYTES });
  });
  afterAll(() => db.close());

  let n = 0;
  const partitioned = (handle: Parameters<typeof definePollingFunction>[0]["handle"]) =>
    definePollingFunction({
      name: `merged${++n}`,
      stream: `orders${n}`,
      group: "g",
      crons: ["* * * * *"],
      partitions: { count: P, key: "account" },
      options: { startId: "0", maxCpuMs: 1_000, visibilityTimeoutMs: VT, handlerTimeoutMs: 1_000 },
      handle,
    });
  const tick = (fn: ReturnType<typeof partitioned>) => runScheduled([fn], "* * * * *", Date.now(), {}, t);
  const cost = async (work: () => Promise<unknown>) => {
    const [requests, commands] = [db.stats.requests, db.stats.commands];
    await work();
    return { requests: db.stats.requests - requests, commands: db.stats.commands - commands };
  };

  async function fill(fn: ReturnType<typeof partitioned>, each: number) {
    const byPartition = new Map<number, string[]>();
    for (let a = 0; Array.from({ length: P }, (_, i) => byPartition.get(i)?.length ?? 0).some((c) => c < each); a++) {
      const routed = routeFields({ account: `a${a}` }, fn.stream, fn.partitions!);
      if (!("stream" in routed)) throw new Error("unroutable");
      byPartition.set(routed.index, [...(byPartition.get(routed.index) ?? []), await db.tcp.xAdd(routed.stream, "*", { account: `a${a}` })]);
    }
    return byPartition;
  }

  it(`sends an idle tick of ${P} partitions as one request of ${2 * P} commands`, async () => {
    const fn = partitioned(async () => {});
    await tick(fn); // creates the groups
    expect(await cost(() => tick(fn))).toEqual({ requests: 1, commands: 2 * P });
  });

  it("merges every function's requests of one invocation, partitioned or not (transportFromEnv)", async () => {
    const plain = definePollingFunction({ name: "plain", stream: "plain", group: "g", crons: ["* * * * *"], handle: async () => {} });
    const twoReads = (t: Transport) => cost(() => Promise.all([t.pipeline([["PING"]]), t.pipeline([["PING"]])]));
    expect(await twoReads(transportFromEnv(db.env, [plain]))).toEqual({ requests: 1, commands: 2 });
    expect(await twoReads(transportFromEnv(db.env, [plain, partitioned(async () => {})]))).toEqual({ requests: 1, commands: 2 });
  });

  it("sends an idle tick of three different functions, one ordered, as one request, and their reports count one request between them", async () => {
    const fns = [
      definePollingFunction({ name: `idle-a${n}`, stream: `idle-a${n}`, group: "g", crons: ["* * * * *"], handle: async () => {} }),
      definePollingFunction({ name: `idle-b${n}`, stream: `idle-b${n}`, group: "g", crons: ["* * * * *"], handle: async () => {} }),
      definePollingFunction({ name: `idle-c${n}`, stream: `idle-c${n}`, group: "g", crons: ["* * * * *"], handle: async () => {}, options: { ordered: true } }),
    ];
    const tickAll = () => runScheduled(fns, "* * * * *", Date.now(), db.env as never, transportFromEnv(db.env, fns));
    await tickAll(); // creates the groups
    let reports: Awaited<ReturnType<typeof tickAll>> = [];
    expect(await cost(async () => (reports = await tickAll()))).toEqual({ requests: 1, commands: 5 });
    const counted = reports.map((r) => ("requests" in r ? r.requests : 0));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("merges the members' reads and commits of a busy tick, and each member still acks its own partition", async () => {
    const fn = partitioned(async (m, ctx) => void ctx.effects.xadd(`${m.stream}:effects`, { id: m.id }));
    await tick(fn);
    const written = await fill(fn, 2);
    const spent = await cost(() => tick(fn));
    // Alone, each member sends at least a read and a commit: 2P requests.
    expect(spent.requests).toBeLessThanOrEqual(3);
    for (let i = 0; i < P; i++) {
      const s = partitionStream(fn.stream, i);
      expect(await pending(db.tcp, s, "g")).toEqual([]);
      expect((await entries(db.tcp, `${s}:effects`)).map((e) => e.message.id).sort()).toEqual([...written.get(i)!].sort());
    }
  });

  it("commits the other members' transactions when one member's is refused as a whole", async () => {
    const key = (i: number) => `${partitionStream("refused", i)}:k`;
    const before = db.stats.requests;
    const results = await Promise.allSettled([
      t.transaction([["SET", key(0), "a"]]),
      t.transaction([["SET", key(1)]]), // wrong arity: EXECABORT, nothing of its MULTI runs
      t.transaction([["SET", key(2), "c"]]),
    ]);
    expect(results[0]).toEqual({ status: "fulfilled", value: [{ result: "OK" }] });
    expect(results[2]).toEqual({ status: "fulfilled", value: [{ result: "OK" }] });
    expect(results[1]!.status === "rejected" && results[1]!.reason).toBeInstanceOf(RedisReplyError);
    expect(await db.tcp.mGet([key(0), key(1), key(2)])).toEqual(["a", null, "c"]);
    // The merged attempt, then each alone.
    expect(db.stats.requests - before).toBe(4);
  });

  it("counts the refused merged attempt: what the callers count adds up to what the database received", async () => {
    const key = (i: number) => `${partitionStream("charged", i)}:k`;
    const members = [0, 1, 2].map(() => countingTransport(t));
    const before = db.stats.requests;
    await Promise.allSettled([
      members[0]!.transaction([["SET", key(0), "a"]]),
      members[1]!.transaction([["SET", key(1)]]), // wrong arity: EXECABORT
      members[2]!.transaction([["SET", key(2), "c"]]),
    ]);
    const received = db.stats.requests - before;
    expect(received).toBe(4);
    expect(members.reduce((sum, m) => sum + m.requests, 0)).toBe(received);
  });

  it("counts the refused merged attempt of a size refusal, and nothing runs twice", async () => {
    const key = (i: number) => `${partitionStream("sized", i)}:k`;
    // The coalescer's cap is above what this database takes: the merged request is refused before it runs.
    let refused = 0;
    const sized: Transport = {
      pipeline: (c) => db.transport.pipeline(c),
      transaction: async (c) => {
        if (c.length > 1) {
          refused += 1;
          await db.transport.transaction([["PING"]]); // the refused attempt still reached the server
          throw new RedisReplyError("ERR max request size exceeded");
        }
        return db.transport.transaction(c);
      },
    };
    const merged = coalescingTransport(sized, { maxRequestBytes: MAX_BYTES });
    const members = [0, 1].map(() => countingTransport(merged));
    const before = db.stats.requests;
    await Promise.all([members[0]!.transaction([["INCR", key(0)]]), members[1]!.transaction([["INCR", key(1)]])]);
    expect(refused).toBe(1);
    expect(await db.tcp.mGet([key(0), key(1)])).toEqual(["1", "1"]);
    expect(members.reduce((sum, m) => sum + m.requests, 0)).toBe(db.stats.requests - before);
  });

  it("loses and duplicates nothing when the answer of a merged commit is dropped after Redis ran it", async () => {
    const fn = partitioned(async (m, ctx) => void ctx.effects.xadd(`${m.stream}:effects`, { id: m.id }));
    await tick(fn);
    const written = await fill(fn, 2);
    let drops = 0;
    db.faults = {
      after: (ctx) => {
        const acked = new Set(ctx.commands.filter((c) => c[0] === "XACK").map((c) => c[1]));
        return ctx.path === "/multi-exec" && acked.size > 1 && drops++ === 0 ? "drop" : undefined;
      },
    };
    await tick(fn);
    db.faults = {};
    expect(drops).toBe(1);
    for (let i = 0; i < P; i++) await age(db.tcp, partitionStream(fn.stream, i), "g", VT);
    await tick(fn);
    for (let i = 0; i < P; i++) {
      const s = partitionStream(fn.stream, i);
      expect(await pending(db.tcp, s, "g")).toEqual([]);
      expect((await entries(db.tcp, `${s}:effects`)).map((e) => e.message.id).sort()).toEqual([...written.get(i)!].sort());
    }
  });
});
