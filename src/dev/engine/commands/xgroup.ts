/**
 * XGROUP subcommands. Redis checks, in order: option syntax, key type, key
 * existence, group existence (for SETID and the consumer subcommands).
 * @see https://redis.io/commands/xgroup
 */
import { isOption, parseInteger } from "../args.js";
import type { Ctx, Reply } from "../command.js";
import { fail, noSuchGroupForKey, subcommandSyntax, XGROUP_NO_KEY } from "../errors.js";
import { ConsumerGroup, ENTRIES_READ_UNKNOWN } from "../group.js";
import { Stream } from "../stream.js";
import { parseIdWith, parseStrictId, type StreamId } from "../stream-id.js";

interface Target {
  key: string;
  stream: Stream | undefined;
  group: ConsumerGroup | undefined;
  mkStream: boolean;
  entriesRead: number;
}

function target(ctx: Ctx, argv: readonly string[], needsGroup: boolean): Target {
  const create = isOption(argv[1], "create");
  const setId = isOption(argv[1], "setid");
  let mkStream = false;
  let entriesRead = ENTRIES_READ_UNKNOWN;
  for (let i = 5; i < argv.length; ) {
    if (create && isOption(argv[i], "mkstream")) {
      mkStream = true;
      i++;
    } else if ((create || setId) && isOption(argv[i], "entriesread") && i + 1 < argv.length) {
      entriesRead = parseInteger(argv[i + 1]!);
      if (entriesRead < 0 && entriesRead !== ENTRIES_READ_UNKNOWN) fail("ERR value for ENTRIESREAD must be positive or -1");
      i += 2;
    } else {
      subcommandSyntax(argv);
    }
  }
  const key = argv[2]!;
  const stream = ctx.db.get(key, "stream");
  if (!stream && !mkStream) fail(XGROUP_NO_KEY);
  const group = stream?.groups.get(argv[3]!);
  if (!group && needsGroup) noSuchGroupForKey(argv[3]!, key);
  return { key, stream, group, mkStream, entriesRead };
}

export function xgroupCreate(ctx: Ctx, argv: readonly string[]): Reply {
  const { key, stream, entriesRead } = target(ctx, argv, false);
  if (argv.length > 8) subcommandSyntax(argv);
  const id: StreamId = argv[4] === "$" ? (stream?.lastId ?? { ms: 0n, seq: 0n }) : parseStrictId(argv[4]!);
  const name = argv[3]!;
  if (stream?.groups.has(name)) fail("BUSYGROUP Consumer Group name already exists");
  // MKSTREAM creates the stream only now, when the command can no longer fail.
  const owner = stream ?? new Stream();
  if (!stream) ctx.db.set(key, owner);
  owner.groups.set(name, new ConsumerGroup(name, id, entriesRead));
  return "OK";
}

export function xgroupSetId(ctx: Ctx, argv: readonly string[]): Reply {
  const { stream, group, entriesRead } = target(ctx, argv, true);
  if (argv.length !== 5 && argv.length !== 7) subcommandSyntax(argv);
  group!.lastId = argv[4] === "$" ? stream!.lastId : parseIdWith(argv[4]!, { strict: false }).id;
  group!.entriesRead = entriesRead;
  return "OK";
}

export function xgroupDestroy(ctx: Ctx, argv: readonly string[]): Reply {
  const { stream, group } = target(ctx, argv, false);
  ctx.unchanged = !group;
  if (!group) return 0;
  stream!.groups.delete(group.name);
  return 1;
}

export function xgroupCreateConsumer(ctx: Ctx, argv: readonly string[]): Reply {
  const { group } = target(ctx, argv, true);
  const name = argv[4]!;
  if (group!.consumers.has(name)) {
    ctx.unchanged = true;
    return 0;
  }
  group!.consumer(name, ctx.now);
  return 1;
}

/** The consumer's pending entries leave the group PEL: they are never delivered again. */
export function xgroupDelConsumer(ctx: Ctx, argv: readonly string[]): Reply {
  const { group } = target(ctx, argv, true);
  const consumer = group!.lookupConsumer(argv[4]!);
  ctx.unchanged = !consumer;
  return consumer ? group!.deleteConsumer(consumer) : 0;
}

export const XGROUP_HELP = [
  "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CREATE <key> <groupname> <id|$> [option]",
  "    Create a new consumer group. Options are:",
  "    * MKSTREAM",
  "      Create the empty stream if it does not exist.",
  "    * ENTRIESREAD entries_read",
  "      Set the group's entries_read counter (internal use).",
  "CREATECONSUMER <key> <groupname> <consumer>",
  "    Create a new consumer in the specified group.",
  "DELCONSUMER <key> <groupname> <consumer>",
  "    Remove the specified consumer.",
  "DESTROY <key> <groupname>",
  "    Remove the specified group.",
  "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
  "    Set the current group ID and entries_read counter.",
  "HELP",
  "    Prints this help.",
];
