/**
 * A handler's `effects.xadd` onto a partitioned logical stream: through a
 * cron tick (runScheduled, the Worker's own path), the entry lands in the
 * partition its key routes to, committed with the ack, and never in the bare
 * logical stream no member reads. A message lacking the key fails its own
 * attempt, naming the field, and writes nothing.
 */
import { afterAll, describe, expect, it } from "vitest";
import { gateKey, pauseKey, reportsKey } from "../../../src/core/redis/keys.js";
import { memberName, partitionOfKey, partitionStream } from "../../../src/core/define/partitions.js";
import { runScheduled } from "../../../src/functions/scheduled.js";
import { bridgeTransport, enqueue, entries, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const cleanup: string[] = [];
afterAll(() => (cleanup.length > 0 ? f.tcp.del(cleanup) : undefined));

describe("effects onto a partitioned stream", () => {
  it("reach the partition the key routes to, with the ack, and a keyless one fails only its message", async () => {
    const target = f.fn({ partitions: { count: 3, key: "account" }, handle: async () => {}, crons: ["0 0 1 1 *"] });
    const source = f.fn({
      handle: async (m, ctx) => {
        ctx.effects.xadd(target.stream, m.fields.account ? { account: m.fields.account } : { note: "no account" });
      },
      options: { maxDeliveries: 1 },
    });
    const parts = [0, 1, 2].map((i) => partitionStream(target.stream, i));
    cleanup.push(target.stream, ...parts, ...parts.map((s) => `${s}:dlq`), `${source.stream}:dlq`, gateKey(source.stream), pauseKey(source.stream, source.group));
    cleanup.push(reportsKey(source.name), ...[0, 1, 2].map((i) => reportsKey(memberName(target.name, i))));
    await enqueue(f.tcp, source.stream, [{ account: "acct-1" }, { account: "acct-2" }, { note: "keyless" }]);

    await runScheduled([source, target], source.crons[0]!, Date.now(), {}, bridgeTransport());

    expect(await entries(f.tcp, target.stream)).toEqual([]);
    for (const account of ["acct-1", "acct-2"]) {
      const routed = await entries(f.tcp, partitionStream(target.stream, partitionOfKey(account, 3)));
      expect(routed.filter((e) => e.message.account === account)).toHaveLength(1);
    }
    const all = (await Promise.all(parts.map((s) => entries(f.tcp, s)))).flat();
    expect(all).toHaveLength(2);
    // The keyless one failed alone (its only delivery): dead-lettered with the reason, the others acknowledged.
    expect(await pending(f.tcp, source.stream, source.group)).toEqual([]);
    const dead = await entries(f.tcp, `${source.stream}:dlq`);
    expect(dead).toHaveLength(1);
    expect(JSON.stringify(dead[0]!.message)).toContain('the field \\"account\\" that routes it is missing');
  });
});

describe("effectStreams", () => {
  it("refuses an effect whose partition lives in another database than the message commits in", async () => {
    const { definePollingFunction } = await import("../../../src/core/define/define.js");
    const { expandPartitions } = await import("../../../src/core/partitions/partition-members.js");
    const { effectStreams } = await import("../../../src/core/partitions/effect-streams.js");
    const members = expandPartitions([definePollingFunction({ name: "ledger", stream: "ledger", group: "g", crons: ["* * * * *"], partitions: { count: 2, key: "k" }, handle: async () => {} })]);
    const keyIn = (i: number) => Array.from({ length: 50 }, (_, n) => `k${n}`).find((k) => partitionOfKey(k, 2) === i)!;
    const fromPartition0 = effectStreams(members, members[0]!)!;
    expect(fromPartition0.stream("ledger", { k: keyIn(0) })).toBe(partitionStream("ledger", 0));
    expect(fromPartition0.stream("other", { k: keyIn(1) })).toBe("other");
    const twoDatabases = expandPartitions([definePollingFunction({ name: "l2", stream: "l2", group: "g", crons: ["* * * * *"], partitions: { count: 2, key: "k", databases: 2 }, handle: async () => {} })]);
    const route = effectStreams(twoDatabases, twoDatabases[0]!)!;
    expect(route.stream("l2", { k: keyIn(0) })).toBe(partitionStream("l2", 0));
    expect(() => route.stream("l2", { k: keyIn(1) })).toThrow(/in database 1, but this message commits in database 0/);
    expect(effectStreams([], members[0]!)).toBeUndefined();
  });
});
