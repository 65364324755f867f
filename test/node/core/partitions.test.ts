import { describe, expect, it } from "vitest";
import { databaseOfPartition, fnv1a, parsePartitionKey, partitionOfKey, partitionStream, routeFields, validatePartitions } from "../../../src/core/define/partitions.js";
import { gateKey, idempotencyKey, replayLockKey } from "../../../src/core/redis/keys.js";

describe("partition routing", () => {
  it("hashes with FNV-1a 32 (published test vectors), so every runtime routes a key alike", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });

  it("sends one key to one partition and spreads many keys over all of them", () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOfKey(`acct-${i}`, 8)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(partitionOfKey("acct-42", 8)).toBe(partitionOfKey("acct-42", 8));
  });

  it("names partitions as hash tags, and keys derived from them stay in the tag", () => {
    const s = partitionStream("orders", 3);
    expect(s).toBe("{orders:p3}");
    expect(gateKey(s)).toBe("{orders:p3}:cronsumer-gate");
    expect(parsePartitionKey(gateKey(s))).toEqual({ logical: "orders", index: 3 });
    expect(parsePartitionKey("{orders}:cronsumer-gate")).toBeUndefined();
    expect(parsePartitionKey("cronsumer:idem:11:{orders:p3}:key-1")).toEqual({ logical: "orders", index: 3 });
    expect(parsePartitionKey("cronsumer:runs:orders-p3")).toBeUndefined();
    expect(parsePartitionKey("{}{orders:p3}")).toBeUndefined();
    // Braces in user text name no partition: only the stream part of a key is read.
    expect(parsePartitionKey(idempotencyKey("events", "x{orders:p1}"))).toBeUndefined();
    expect(parsePartitionKey(idempotencyKey("évents", "{orders:p1}"))).toBeUndefined();
    expect(parsePartitionKey(idempotencyKey(s, "x{orders:p1}"))).toEqual({ logical: "orders", index: 3 });
    expect(parsePartitionKey(replayLockKey(`${s}:dlq`, "1-0"))).toEqual({ logical: "orders", index: 3 });
    expect(parsePartitionKey(replayLockKey("events:dlq", "{orders:p1}"))).toBeUndefined();
    expect(parsePartitionKey("events:{orders:p1}")).toBeUndefined();
    expect(databaseOfPartition(5, { count: 8, key: "k", databases: 3 })).toBe(2);
  });

  it("refuses a message without the key field, naming it", () => {
    expect(routeFields({ amount: "1" }, "orders", { count: 4, key: "account" })).toEqual({ missing: "account" });
    const routed = routeFields({ account: "a1" }, "orders", { count: 4, key: "account" });
    expect(routed).toEqual({ index: partitionOfKey("a1", 4), stream: partitionStream("orders", partitionOfKey("a1", 4)) });
  });

  it("validates the spec, naming the bad part", () => {
    expect(() => validatePartitions("f", "orders", { count: 0, key: "a" })).toThrow(/partitions.count/);
    expect(() => validatePartitions("f", "orders", { count: 4, key: "" })).toThrow(/partitions.key/);
    expect(() => validatePartitions("f", "orders", { count: 2, key: "a", databases: 3 })).toThrow(/partitions.databases/);
    expect(() => validatePartitions("f", "or{d}ers", { count: 2, key: "a" })).toThrow(/braces/);
    expect(validatePartitions("f", "orders", { count: 2, key: "a" })).toEqual({ count: 2, key: "a", databases: 1 });
  });
});

describe("partitioned functions", () => {
  const base = { name: "ledger", stream: "accounts:events", group: "g", crons: ["* * * * *"], handle: async () => {} };

  it("expand into one member per partition, each an ordinary function on its partition stream", async () => {
    const { definePollingFunction } = await import("../../../src/core/define/define.js");
    const { expandPartitions } = await import("../../../src/core/partitions/partition-members.js");
    const plain = definePollingFunction({ ...base, name: "plain" });
    const fn = definePollingFunction({ ...base, partitions: { count: 3, key: "account" }, options: { ordered: true } });
    const members = expandPartitions([plain, fn]);
    expect(members.map((m) => [m.name, m.stream])).toEqual([
      ["plain", "accounts:events"],
      ["ledger-p0", "{accounts:events:p0}"],
      ["ledger-p1", "{accounts:events:p1}"],
      ["ledger-p2", "{accounts:events:p2}"],
    ]);
    expect(members[2]!.partitionOf).toEqual({ function: "ledger", logical: "accounts:events", index: 1, spec: { count: 3, key: "account", databases: 1 } });
    expect(members[2]!.options.partitionKey).toBe("account");
    expect(members[2]!.partitions).toBeUndefined();
    expect(expandPartitions(members)).toEqual(members);
  });

  it("refuses an ordered key other than the partition key, and a name without room for members", async () => {
    const { definePollingFunction } = await import("../../../src/core/define/define.js");
    expect(() => definePollingFunction({ ...base, partitions: { count: 2, key: "account" }, options: { ordered: true, partitionKey: "user" } })).toThrow(/partitionKey/);
    expect(() => definePollingFunction({ ...base, name: "a".repeat(60), partitions: { count: 2, key: "k" } })).toThrow(/58 characters/);
    expect(() => definePollingFunction({ ...base, partitions: { count: 2, key: "" } })).toThrow(/partitions.key/);
  });
});
