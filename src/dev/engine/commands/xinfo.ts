/**
 * XINFO STREAM [FULL [COUNT n]], GROUPS, CONSUMERS, HELP: flat key/value
 * arrays in Redis 7.0's field order (RESP2 has no maps).
 * @see https://redis.io/commands/xinfo-stream
 */
import { isOption, parseInteger } from "../args.js";
import { entryReply, type Ctx, type Reply } from "../command.js";
import { fail, noSuchGroupForKey, subcommandSyntax } from "../errors.js";
import { ENTRIES_READ_UNKNOWN, sortedByName, type Consumer, type ConsumerGroup, type Nack } from "../group.js";
import { groupLag } from "../lag.js";
import type { Stream } from "../stream.js";
import { formatId, MAX_ID, MIN_ID } from "../stream-id.js";
import type { SortedIdMap } from "../sorted-ids.js";

function requireStream(ctx: Ctx, key: string): Stream {
  return ctx.db.get(key, "stream") ?? fail("ERR no such key");
}

/**
 * Redis's rax node count depends on key bytes and history; nothing relies on
 * it, so this only keeps the number plausible (README, "The embedded engine").
 */
function radixTreeNodes(keys: number): number {
  return keys === 0 ? 1 : keys === 1 ? 2 : keys * 2 + 2;
}

function header(stream: Stream): Reply[] {
  return [
    "length", stream.length,
    "radix-tree-keys", stream.nodes.length,
    "radix-tree-nodes", radixTreeNodes(stream.nodes.length),
    "last-generated-id", formatId(stream.lastId),
    "max-deleted-entry-id", formatId(stream.maxDeletedId),
    "entries-added", stream.entriesAdded,
    "recorded-first-entry-id", formatId(stream.firstId),
  ];
}

function entriesRead(group: ConsumerGroup): number | null {
  return group.entriesRead === ENTRIES_READ_UNKNOWN ? null : group.entriesRead;
}

/** The first `count` (0: all) PEL entries, rendered by `row`. */
function pelRows(pel: SortedIdMap<Nack>, count: number, row: (id: string, nack: Nack) => Reply): Reply[] {
  const rows: Reply[] = [];
  for (const [id, nack] of pel.entries()) {
    if (count && rows.length >= count) break;
    rows.push(row(formatId(id), nack));
  }
  return rows;
}

function fullConsumer(consumer: Consumer, count: number): Reply {
  return [
    "name", consumer.name,
    "seen-time", consumer.seenTime,
    "pel-count", consumer.pel.size,
    "pending", pelRows(consumer.pel, count, (id, nack) => [id, nack.deliveryTime, nack.deliveryCount]),
  ];
}

function fullGroup(stream: Stream, group: ConsumerGroup, count: number): Reply {
  return [
    "name", group.name,
    "last-delivered-id", formatId(group.lastId),
    "entries-read", entriesRead(group),
    "lag", groupLag(stream, group),
    "pel-count", group.pel.size,
    "pending", pelRows(group.pel, count, (id, nack) => [id, nack.consumer!.name, nack.deliveryTime, nack.deliveryCount]),
    "consumers", sortedByName(group.consumers.values()).map((consumer) => fullConsumer(consumer, count)),
  ];
}

export function xinfoStream(ctx: Ctx, argv: readonly string[]): Reply {
  const stream = requireStream(ctx, argv[2]!);
  const options = argv.slice(3);
  if (options.length === 0) {
    const first = stream.firstEntry();
    const last = stream.lastEntry();
    return [
      ...header(stream),
      "groups", stream.groups.size,
      "first-entry", first ? entryReply(first) : null,
      "last-entry", last ? entryReply(last) : null,
    ];
  }
  if (!isOption(options[0], "full")) subcommandSyntax(argv);
  let count = 10;
  if (options.length > 1) {
    if (options.length !== 3 || !isOption(options[1], "count")) subcommandSyntax(argv);
    count = parseInteger(options[2]!);
    if (count < 0) count = 10;
  }
  const entries: Reply[] = [];
  for (const entry of stream.range(MIN_ID, MAX_ID)) {
    if (count && entries.length >= count) break;
    entries.push(entryReply(entry));
  }
  const groups = sortedByName(stream.groups.values()).map((group) => fullGroup(stream, group, count));
  return [...header(stream), "entries", entries, "groups", groups];
}

export function xinfoGroups(ctx: Ctx, argv: readonly string[]): Reply {
  const stream = requireStream(ctx, argv[2]!);
  return sortedByName(stream.groups.values()).map((group) => [
    "name", group.name,
    "consumers", group.consumers.size,
    "pending", group.pel.size,
    "last-delivered-id", formatId(group.lastId),
    "entries-read", entriesRead(group),
    "lag", groupLag(stream, group),
  ]);
}

export function xinfoConsumers(ctx: Ctx, argv: readonly string[]): Reply {
  const stream = requireStream(ctx, argv[2]!);
  const group = stream.groups.get(argv[3]!) ?? noSuchGroupForKey(argv[3]!, argv[2]!);
  return sortedByName(group.consumers.values()).map((consumer) => [
    "name", consumer.name,
    "pending", consumer.pel.size,
    "idle", Math.max(0, ctx.now - consumer.seenTime),
  ]);
}

export const XINFO_HELP = [
  "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CONSUMERS <key> <groupname>",
  "    Show consumers of <groupname>.",
  "GROUPS <key>",
  "    Show the stream consumer groups.",
  "STREAM <key> [FULL [COUNT <count>]",
  "    Show information about the stream.",
  "HELP",
  "    Prints this help.",
];
