/**
 * A partitioned enqueue over two databases (each its own redis-server behind
 * its own bridge, routed as the Worker routes them): one request per
 * database written, each holding that database's partitions' XADDs and wake
 * leases; and when one database's request is lost after it ran, an
 * Idempotency-Key retry writes only what the other database is missing:
 * every message exactly once.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/app.js";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { partitionStream } from "../../../src/core/define/partitions.js";
import { expandPartitions } from "../../../src/core/partitions/partition-members.js";
import { routedTransport } from "../../../src/core/partitions/routed-transport.js";
import { wakeLeaseKey } from "../../../src/core/redis/keys.js";
import { useDatabases } from "../../support/databases.js";
import { entries } from "../../support/engine.js";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { keysFor } from "./partition-support.js";
import { apiEnv, enc, TOKEN } from "./support.js";

const P = 4;
const [k0, k1, k2, k3] = keysFor(P);

describe.skipIf(ON_ENGINE)(realRedisOnly("a partitioned enqueue over two databases", "two redis-servers"), () => {
  const dbs = useDatabases(2);

  let n = 0;
  const setup = () => {
    n += 1;
    const fn = definePollingFunction({ name: `orders${n}`, stream: `orders${n}`, group: "g", crons: ["* * * * *"], partitions: { count: P, key: "customer", databases: 2 }, options: { maxCpuMs: 1_000 }, handle: async () => {} });
    const members = expandPartitions([fn]);
    const api = createApp({ functions: members, transport: () => routedTransport(dbs.map((d) => d.transport), [fn]) });
    const part = (i: number) => partitionStream(fn.stream, i);
    // Partition i lives in database i % 2.
    const stored = async () => Promise.all([0, 1, 2, 3].map(async (i) => (await entries(dbs[i % 2]!.tcp, part(i))).map((e) => e.message.n)));
    return { fn, api, part, stored };
  };
  const batch = [
    { customer: k0![0]!, n: "1" },
    { customer: k1![0]!, n: "2" },
    { customer: k2![0]!, n: "3" },
    { customer: k3![0]!, n: "4" },
  ];

  async function post(api: ReturnType<typeof createApp>, stream: string, headers: Record<string, string> = {}) {
    const started: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void started.push(p), passThroughOnException() {}, props: {} };
    const init = { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", ...headers }, body: JSON.stringify(batch) };
    const res = await api.request(`/streams/${enc(stream)}/messages`, init, apiEnv(), ctx);
    await Promise.all(started);
    return { status: res.status, body: (await res.json()) as { ids: string[]; error?: { message: string } } };
  }

  it("costs one request per database, each carrying its partitions' XADDs and wake leases", async () => {
    const { fn, api, part, stored } = setup();
    const writes: string[][][] = [[], []];
    dbs.forEach((d, j) => (d.faults = { before: (ctx) => void (ctx.commands.some((c) => c[0] === "XADD") && writes[j]!.push(ctx.commands.map((c) => `${c[0]} ${c[1]}`))) }));
    try {
      expect((await post(api, fn.stream)).status).toBe(201);
    } finally {
      dbs.forEach((d) => (d.faults = {}));
    }
    const carried = (i: number) => [`XADD ${part(i)}`, `SET ${wakeLeaseKey(part(i))}`, `INCRBY ${wakeLeaseKey(part(i))}`];
    expect(writes).toEqual([[[...carried(0), ...carried(2)]], [[...carried(1), ...carried(3)]]]);
    expect(await stored()).toEqual([["1"], ["2"], ["3"], ["4"]]);
  });

  it.each(["before", "after"] as const)("writes every message exactly once when one database's request is lost %s it ran, on an Idempotency-Key retry", async (when) => {
    const { fn, api, part, stored } = setup();
    let dropped = 0;
    const drop = (ctx: { commands: readonly (readonly string[])[] }) => (ctx.commands.some((c) => c[0] === "EVAL") && dropped++ === 0 ? ("drop" as const) : undefined);
    dbs[1]!.faults = when === "before" ? { before: drop } : { after: drop };
    const headers = { "Idempotency-Key": "o-1" };
    let failed;
    try {
      failed = await post(api, fn.stream, headers);
    } finally {
      dbs[1]!.faults = {};
    }
    expect(dropped).toBe(1);
    expect(failed.status).toBe(503);
    expect(failed.body.error!.message).toContain(`partitions written: ${part(0)} (1), ${part(2)} (1); failed: ${part(1)} (1), ${part(3)} (1)`);
    expect(failed.body.error!.message).toContain("repeat with the same Idempotency-Key");
    // Database 0 answered; database 1 ran its scripts only if the request was lost after.
    expect(await stored()).toEqual(when === "after" ? [["1"], ["2"], ["3"], ["4"]] : [["1"], [], ["3"], []]);

    const retry = await post(api, fn.stream, headers);
    expect(retry.status).toBe(when === "after" ? 200 : 201);
    expect(await stored()).toEqual([["1"], ["2"], ["3"], ["4"]]);
    const ids = await Promise.all([0, 1, 2, 3].map(async (i) => (await entries(dbs[i % 2]!.tcp, part(i)))[0]!.id));
    expect(retry.body.ids).toEqual(ids);
  });
});
