/**
 * Reply parsers against every shape met in the field. Rows marked "redis 7.0"
 * were captured from redis-server 7.0.15; "redis 6.2" rows follow the 6.2
 * docs and source (no third XAUTOCLAIM element, nil entries for trimmed ids,
 * no lag/entries-read); "upstash" rows are shapes seen from REST proxies.
 */
import { describe, expect, it } from "vitest";
import * as p from "../../../src/core/redis/parse-replies.js";
import type { Reply } from "../../../src/core/redis/transport.js";

const o1 = ["1-0", ["orderID", "o1", "amount", "42"]];

describe("parseRead (XREADGROUP)", () => {
  it.each<[string, Reply, p.StreamEntry[]]>([
    ["redis 7.0: nothing new is nil", null, []],
    ["upstash: nothing new as an empty array", [], []],
    ["redis 7.0: stream with no entries", [["s", []]], []],
    [
      "redis 7.0: two entries, values stay strings",
      [["s", [o1, ["2-0", ["orderID", "o2", "amount", "42"]]]]],
      [
        { id: "1-0", fields: { orderID: "o1", amount: "42" } },
        { id: "2-0", fields: { orderID: "o2", amount: "42" } },
      ],
    ],
    ["redis 7.0: history read of a deleted entry is [id, nil]", [["s", [o1, ["2-0", null]]]], [{ id: "1-0", fields: { orderID: "o1", amount: "42" } }, { id: "2-0", fields: null }]],
  ])("%s", (_, reply, expected) => {
    expect(p.parseRead(reply, "s")).toEqual(expected);
  });

  it("rejects a reply that is not a stream list", () => {
    expect(() => p.parseRead("OK")).toThrow(p.ReplyShapeError);
    expect(() => p.parseRead([["s"]])).toThrow(/unexpected XREADGROUP reply/);
  });
});

describe("parseAutoClaim (XAUTOCLAIM)", () => {
  const claimedO1 = [{ id: "1-0", fields: { orderID: "o1", amount: "42" } }];
  it.each<[string, Reply, p.AutoClaimReply]>([
    ["redis 7.0: three elements, deleted ids purged", ["0-0", [o1], ["2-0"]], { cursor: "0-0", claimed: claimedO1, deleted: ["2-0"], nilPositions: [] }],
    ["redis 6.2: a trimmed entry as a bare nil, still pending", ["5-0", [o1, null]], { cursor: "5-0", claimed: claimedO1, deleted: [], nilPositions: [{ index: 1, id: null }] }],
    ["redis 6.2 variants: a trimmed entry as [id, nil]", ["5-0", [["2-0", null], o1]], { cursor: "5-0", claimed: claimedO1, deleted: [], nilPositions: [{ index: 0, id: "2-0" }] }],
    ["redis 7.0: nothing idle", ["0-0", [], []], { cursor: "0-0", claimed: [], deleted: [], nilPositions: [] }],
    ["redis 6.2: nothing idle", ["0-0", []], { cursor: "0-0", claimed: [], deleted: [], nilPositions: [] }],
  ])("%s", (_, reply, expected) => {
    expect(p.parseAutoClaim(reply)).toEqual(expected);
  });

  it.each<[string, Reply]>([
    ["nil", null],
    ["one element", ["0-0"]],
    ["four elements", ["0-0", [], [], []]],
    ["entries that are not a list", ["0-0", "x"]],
  ])("rejects %s", (_, reply) => {
    expect(() => p.parseAutoClaim(reply)).toThrow(/unexpected XAUTOCLAIM reply/);
  });
});

describe("parseEntries (XCLAIM, XRANGE)", () => {
  it.each<[string, Reply, p.StreamEntry[]]>([
    ["redis 7.0: XCLAIM skips deleted entries entirely", [o1], [{ id: "1-0", fields: { orderID: "o1", amount: "42" } }]],
    ["redis 6.2: XCLAIM returns a trimmed entry as [id, nil]", [o1, ["2-0", null]], [{ id: "1-0", fields: { orderID: "o1", amount: "42" } }, { id: "2-0", fields: null }]],
    ["empty", [], []],
    ["nil", null, []],
    ["numbers in values are kept as their text", [["3-0", ["n", 7]]], [{ id: "3-0", fields: { n: "7" } }]],
  ])("%s", (_, reply, expected) => {
    expect(p.parseEntries("XCLAIM", reply)).toEqual(expected);
  });

  it("rejects an odd field list", () => {
    expect(() => p.parseEntries("XRANGE", [["1-0", ["a"]]])).toThrow(/unexpected XRANGE reply/);
  });
});

describe("parsePendingSummary (XPENDING)", () => {
  it.each<[string, Reply, p.PendingSummary]>([
    ["redis 7.0: counts per consumer are bulk strings", [2, "1-0", "2-0", [["c", "2"]]], { count: 2, smallestId: "1-0", largestId: "2-0", consumers: [{ name: "c", pending: 2 }] }],
    ["redis 7.0: empty group", [0, null, null, null], { count: 0, smallestId: null, largestId: null, consumers: [] }],
    ["upstash: numeric consumer counts", [3, "1-0", "9-0", [["a", 1], ["b", 2]]], { count: 3, smallestId: "1-0", largestId: "9-0", consumers: [{ name: "a", pending: 1 }, { name: "b", pending: 2 }] }],
  ])("%s", (_, reply, expected) => {
    expect(p.parsePendingSummary(reply)).toEqual(expected);
  });

  it("rejects a non-integer count", () => {
    expect(() => p.parsePendingSummary(["x", null, null, null])).toThrow(/unexpected XPENDING reply/);
  });
});

describe("parsePendingEntries (XPENDING extended)", () => {
  it.each<[string, Reply, p.PendingEntry[]]>([
    ["redis 7.0", [["1-0", "c", 1, 1], ["2-0", "c", 1, 2]], [{ id: "1-0", consumer: "c", idleMs: 1, deliveries: 1 }, { id: "2-0", consumer: "c", idleMs: 1, deliveries: 2 }]],
    ["empty", [], []],
    ["nil", null, []],
  ])("%s", (_, reply, expected) => {
    expect(p.parsePendingEntries(reply)).toEqual(expected);
  });
});

describe("XINFO", () => {
  it("redis 7.0: XINFO STREAM with first and last entries", () => {
    const reply: Reply = [
      "length", 2, "radix-tree-keys", 1, "radix-tree-nodes", 2, "last-generated-id", "3-0", "max-deleted-entry-id", "2-0",
      "entries-added", 3, "recorded-first-entry-id", "1-0", "groups", 2, "first-entry", o1, "last-entry", ["3-0", ["orderID", "o3", "amount", "42"]],
    ];
    expect(p.parseStreamInfo(reply)).toEqual({
      length: 2,
      lastGeneratedId: "3-0",
      groups: 2,
      firstEntry: { id: "1-0", fields: { orderID: "o1", amount: "42" } },
      lastEntry: { id: "3-0", fields: { orderID: "o3", amount: "42" } },
      entriesAdded: 3,
      maxDeletedEntryId: "2-0",
    });
  });

  it("redis 6.2: XINFO STREAM without the 7.0 fields, empty stream", () => {
    const reply: Reply = ["length", 0, "radix-tree-keys", 0, "radix-tree-nodes", 1, "last-generated-id", "0-0", "groups", 0, "first-entry", null, "last-entry", null];
    expect(p.parseStreamInfo(reply)).toEqual({ length: 0, lastGeneratedId: "0-0", groups: 0, firstEntry: null, lastEntry: null, entriesAdded: null, maxDeletedEntryId: null });
  });

  it.each<[string, Reply, p.GroupInfo[]]>([
    [
      "redis 7.0: lag nil after an XDEL, entries-read nil on a $ group",
      [
        ["name", "g", "consumers", 3, "pending", 1, "last-delivered-id", "2-0", "entries-read", 2, "lag", null],
        ["name", "g2", "consumers", 0, "pending", 0, "last-delivered-id", "3-0", "entries-read", null, "lag", 0],
      ],
      [
        { name: "g", consumers: 3, pending: 1, lastDeliveredId: "2-0", entriesRead: 2, lag: null },
        { name: "g2", consumers: 0, pending: 0, lastDeliveredId: "3-0", entriesRead: null, lag: 0 },
      ],
    ],
    ["redis 6.2: no lag, no entries-read", [["name", "g", "consumers", 1, "pending", 0, "last-delivered-id", "5-0"]], [{ name: "g", consumers: 1, pending: 0, lastDeliveredId: "5-0", entriesRead: null, lag: null }]],
    ["no groups", [], []],
  ])("XINFO GROUPS %s", (_, reply, expected) => {
    expect(p.parseGroupsInfo(reply)).toEqual(expected);
  });

  it.each<[string, Reply, p.ConsumerInfo[]]>([
    ["redis 7.0", [["name", "c", "pending", 0, "idle", 1], ["name", "c3", "pending", 1, "idle", 0]], [{ name: "c", pending: 0, idleMs: 1, inactiveMs: null }, { name: "c3", pending: 1, idleMs: 0, inactiveMs: null }]],
    ["redis 7.2: with inactive", [["name", "c", "pending", 2, "idle", 10, "inactive", -1]], [{ name: "c", pending: 2, idleMs: 10, inactiveMs: -1 }]],
  ])("XINFO CONSUMERS %s", (_, reply, expected) => {
    expect(p.parseConsumersInfo(reply)).toEqual(expected);
  });

  it("rejects an odd key/value list", () => {
    expect(() => p.parseGroupsInfo([["name"]])).toThrow(/unexpected XINFO GROUPS reply/);
  });
});
