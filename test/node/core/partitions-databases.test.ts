/**
 * Partitions over two databases: each its own redis-server behind its own
 * bridge. Every key of a partition (stream, PEL, dead letters, effects, run
 * reports) lands in that partition's database only, and a commit cut off
 * after Redis ran it loses and duplicates nothing in either.
 */
import { describe, expect, it } from "vitest";
import { coalescingTransport } from "../../../src/core/redis/coalescing-transport.js";
import type { PollingFunction } from "../../../src/core/define/define.js";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { ConfigError, PermanentError } from "../../../src/core/redis/errors.js";
import { idempotencyKey, reportsKey } from "../../../src/core/redis/keys.js";
import { memberName, partitionStream, routeFields } from "../../../src/core/define/partitions.js";
import { routedTransport } from "../../../src/core/partitions/routed-transport.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import { createApi } from "../../../src/functions/create-worker.js";
import { runScheduled } from "../../../src/functions/scheduled.js";
import type { Database } from "../../support/databases.js";
import { useDatabases } from "../../support/databases.js";
import { age, entries, pending } from "../../support/engine.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";

const P = 4;
/** As transportFromEnv builds it: each database's requests merged, then routed. */
const routed = (dbs: Database[], fn: PollingFunction) => routedTransport(dbs.map((d) => coalescingTransport(d.transport, { maxRequestBytes: 8 * 1024 * 1024 })), [fn]);
const VT = 6_000;

describe.skipIf(ON_ENGINE)(realRedisOnly("a partitioned function over two databases", "two redis-servers"), () => {
  const dbs = useDatabases(2);

  let n = 0;
  const partitioned = (handle: Parameters<typeof definePollingFunction>[0]["handle"]) => {
    n += 1;
    return definePollingFunction({
      name: `ledger${n}`,
      stream: `accounts${n}`,
      group: "g",
      crons: ["* * * * *"],
      partitions: { count: P, key: "account", databases: 2 },
      options: { startId: "0", maxCpuMs: 1_000, visibilityTimeoutMs: VT, handlerTimeoutMs: 1_000 },
      handle,
    });
  };
  const dbOf = (i: number) => dbs[i % 2]!;
  const other = (i: number) => dbs[(i + 1) % 2]!;

  /** Enqueues accounts a0… through the routing transport until every partition holds `each` messages or more. */
  async function fill(t: Transport, fn: ReturnType<typeof partitioned>, each: number, extra: Record<string, string> = {}) {
    const byPartition = new Map<number, string[]>();
    for (let a = 0; Array.from({ length: P }, (_, i) => byPartition.get(i)?.length ?? 0).some((c) => c < each); a++) {
      const fields = { account: `a${a}`, ...extra };
      const routed = routeFields(fields, fn.stream, fn.partitions!);
      if (!("stream" in routed)) throw new Error("unroutable");
      const [written] = await t.pipeline([["XADD", routed.stream, "*", ...Object.entries(fields).flat()]]);
      byPartition.set(routed.index, [...(byPartition.get(routed.index) ?? []), String((written as { result: string }).result)]);
    }
    return byPartition;
  }

  it("keeps each partition's stream, PEL, dead letters, effects and reports in its own database", async () => {
    const fn = partitioned(async (m, ctx) => {
      if (m.fields.account === "a0") throw new PermanentError("poison");
      ctx.effects.xadd(`${m.stream}:effects`, { id: m.id });
      // An untagged effect key follows its message's commit into the partition's database.
      ctx.effects.incrBy("handled", 1);
    });
    const t = routed(dbs, fn);
    const written = await fill(t, fn, 2);
    const reports = await runScheduled([fn], "* * * * *", Date.now(), {}, t);
    expect(reports.map((r) => ("stopReason" in r ? r.stopReason : r.skipped))).toEqual(Array(P).fill("drained"));

    for (let i = 0; i < P; i++) {
      const s = partitionStream(fn.stream, i);
      const ids = written.get(i)!;
      const own = dbOf(i).tcp;
      expect(await own.xLen(s)).toBe(ids.length);
      expect(await other(i).tcp.exists([s, `${s}:effects`, `${s}:dlq`, reportsKey(memberName(fn.name, i))])).toBe(0);
      expect(await pending(own, s, "g")).toEqual([]);
      const dead = (await entries(own, `${s}:dlq`)).map((d) => d.message["original-id"]);
      const handled = (await entries(own, `${s}:effects`)).map((e) => e.message.id);
      expect([...dead, ...handled].sort()).toEqual([...ids].sort());
      expect(await own.lLen(reportsKey(memberName(fn.name, i)))).toBe(1);
    }
    const total = [...written.values()].flat().length;
    const counted = await Promise.all(dbs.map(async (d) => Number((await d.tcp.get("handled")) ?? 0)));
    expect(counted[0]! + counted[1]!).toBe(total - 1);
    expect(counted.every((c) => c > 0)).toBe(true);

    // The API reads every member's reports, each from its own database.
    const api = createApi({ functions: [fn], transport: () => t });
    const listed = (await (await api.request("/functions", { headers: { authorization: "Bearer k" } }, { API_TOKEN: "k" })).json()) as { functions: { name: string; recentRuns: unknown[] }[] };
    expect(listed.functions.map((f) => [f.name, f.recentRuns.length])).toEqual(Array.from({ length: P }, (_, i) => [memberName(fn.name, i), 1]));
  });

  it("loses and duplicates nothing in either database when a commit's answer is dropped after Redis ran it", async () => {
    const fn = partitioned(async (m, ctx) => void ctx.effects.xadd(`${m.stream}:effects`, { id: m.id }));
    const t = routed(dbs, fn);
    const written = await fill(t, fn, 2);
    let drops = 0;
    dbs[1]!.faults = {
      after: (ctx) => (ctx.path === "/multi-exec" && ctx.commands.some((c) => c[0] === "XACK") && drops++ === 0 ? "drop" : undefined),
    };
    await runScheduled([fn], "* * * * *", Date.now(), {}, t);
    dbs[1]!.faults = {};
    expect(drops).toBeGreaterThan(0);
    for (let i = 0; i < P; i++) await age(dbOf(i).tcp, partitionStream(fn.stream, i), "g", VT);
    await runScheduled([fn], "* * * * *", Date.now(), {}, t);

    for (let i = 0; i < P; i++) {
      const s = partitionStream(fn.stream, i);
      expect(await pending(dbOf(i).tcp, s, "g")).toEqual([]);
      expect((await entries(dbOf(i).tcp, `${s}:effects`)).map((e) => e.message.id).sort()).toEqual([...written.get(i)!].sort());
    }
  });

  it("costs one request per database on an idle tick", async () => {
    const fn = partitioned(async () => {});
    const t = routed(dbs, fn);
    await runScheduled([fn], "* * * * *", Date.now(), {}, t); // creates the groups
    const before = dbs.map((d) => [d.stats.requests, d.stats.commands]);
    await runScheduled([fn], "* * * * *", Date.now(), {}, t);
    expect(dbs.map((d, j) => [d.stats.requests - before[j]![0]!, d.stats.commands - before[j]![1]!])).toEqual([
      [1, P],
      [1, P],
    ]);
  });

  it("keeps an Idempotency-Key holding a partition's tag on an unpartitioned stream in database 0, beside its stream", async () => {
    const fn = partitioned(async () => {});
    const t = routed(dbs, fn);
    const stream = `events${n}`;
    const plain = definePollingFunction({ name: `plain${n}`, stream, group: "g", crons: ["* * * * *"], handle: async () => {} });
    const api = createApi({ functions: [fn, plain], transport: () => t });
    const key = `x${partitionStream(fn.stream, 1)}`;
    const send = () => api.request(`/streams/${stream}/messages`, { method: "POST", headers: { authorization: "Bearer k", "content-type": "application/json", "Idempotency-Key": key }, body: JSON.stringify({ a: "1" }) }, { API_TOKEN: "k" });
    expect((await send()).status).toBe(201);
    expect((await send()).status).toBe(200);
    expect(await dbs[0]!.tcp.xLen(stream)).toBe(1);
    expect(await dbs[0]!.tcp.exists(idempotencyKey(stream, key))).toBe(1);
    expect(await dbs[1]!.tcp.exists([stream, idempotencyKey(stream, key)])).toBe(0);
  });

  it("fails only the attempt whose effect names a partition of another database; its batch commits", async () => {
    const fn = partitioned(async (m, ctx) => {
      ctx.effects.xadd(`${m.stream}:effects`, { id: m.id });
      // The next partition lives in the other database.
      const index = Number(/:p(\d+)\}/.exec(m.stream)![1]);
      if (m.fields.account === "a0") ctx.effects.set(`${partitionStream(fn.stream, (index + 1) % P)}:stray`, "1");
    });
    const t = routed(dbs, fn);
    const written = await fill(t, fn, 2);
    const a0 = routeFields({ account: "a0" }, fn.stream, fn.partitions!) as { index: number; stream: string };
    const reports = await runScheduled([fn], "* * * * *", Date.now(), {}, t);
    expect(reports.map((r) => ("stopReason" in r ? r.stopReason : r.skipped))).toEqual(Array(P).fill("drained"));
    const poisoned = written.get(a0.index)![0]!;
    for (let i = 0; i < P; i++) {
      const s = partitionStream(fn.stream, i);
      const own = dbOf(i).tcp;
      const others = written.get(i)!.filter((id) => id !== poisoned);
      expect((await entries(own, `${s}:effects`)).map((e) => e.message.id).sort()).toEqual([...others].sort());
      // Only the attempt that wrote across databases waits for its retry, with none of its effects.
      expect((await pending(own, s, "g")).map((p) => p.id)).toEqual(i === a0.index ? [poisoned] : []);
    }
    const stray = `${partitionStream(fn.stream, (a0.index + 1) % P)}:stray`;
    expect(await dbs[0]!.tcp.exists(stray)).toBe(0);
    expect(await dbs[1]!.tcp.exists(stray)).toBe(0);
  });

  it("sends a member's ctx.read of an untagged key to the member's own database, where its effects write it", async () => {
    const seen = new Map<string, unknown>();
    const key = `where${n + 1}`;
    const fn = partitioned(async (m, ctx) => void seen.set(m.stream, await ctx.read(["GET", key])));
    await Promise.all(dbs.map((d, j) => d.tcp.set(key, `database ${j}`)));
    const t = routed(dbs, fn);
    await fill(t, fn, 1);
    await runScheduled([fn], "* * * * *", Date.now(), {}, t);
    expect(Array.from({ length: P }, (_, i) => seen.get(partitionStream(fn.stream, i)))).toEqual(Array.from({ length: P }, (_, i) => `database ${i % 2}`));
    await Promise.all(dbs.map((d) => d.tcp.del(key)));
  });

  it("commits a noAck member's effects-only commit in the member's own database", async () => {
    n += 1;
    const counter = `noack${n}`;
    const fn = definePollingFunction({
      name: `ledger${n}`,
      stream: `accounts${n}`,
      group: "g",
      crons: ["* * * * *"],
      partitions: { count: P, key: "account", databases: 2 },
      options: { startId: "0", maxCpuMs: 1_000, visibilityTimeoutMs: VT, handlerTimeoutMs: 1_000, noAck: true, retention: {} },
      handle: async (_m, ctx) => void ctx.effects.incrBy(counter, 1),
    });
    const t = routed(dbs, fn);
    const written = await fill(t, fn, 1);
    await runScheduled([fn], "* * * * *", Date.now(), {}, t);
    const expected = [0, 1].map((j) => [...written].filter(([i]) => i % 2 === j).reduce((sum, [, ids]) => sum + ids.length, 0));
    expect(await Promise.all(dbs.map(async (d) => Number((await d.tcp.get(counter)) ?? 0)))).toEqual(expected);
  });

  it("refuses a transaction naming keys of two databases, naming both, and sends nothing", async () => {
    const fn = partitioned(async () => {});
    const t = routed(dbs, fn);
    const before = dbs.map((d) => d.stats.requests);
    const a = partitionStream(fn.stream, 0);
    const b = partitionStream(fn.stream, 1);
    await expect(t.transaction([["SET", a, "1"], ["SET", b, "1"]])).rejects.toThrow(ConfigError);
    await expect(t.transaction([["SET", a, "1"], ["SET", b, "1"]])).rejects.toThrow(`"${a}" (database 0) and "${b}" (database 1)`);
    expect(dbs.map((d) => d.stats.requests)).toEqual(before);
  });
});
