/**
 * XREAD and XREADGROUP, without blocking: BLOCK is parsed and validated but
 * never waits (the REST protocol cannot block either), so an empty read
 * answers nil at once.
 * @see https://redis.io/commands/xreadgroup
 */
import { isOption, parseInteger } from "../args.js";
import { entryReply, type Ctx, type Reply } from "../command.js";
import { fail, SYNTAX } from "../errors.js";
import type { ConsumerGroup } from "../group.js";
import { advanceGroup } from "../lag.js";
import type { Stream } from "../stream.js";
import { compareIds, formatId, incrId, MAX_ID, MIN_ID, parseStrictId, type StreamId } from "../stream-id.js";

interface ReadOptions {
  count: number;
  noAck: boolean;
  group?: { name: string; consumer: string };
  keys: string[];
  ids: string[];
}

function parseRead(argv: readonly string[], xreadgroup: boolean): ReadOptions {
  let count = 0;
  let noAck = false;
  let group: ReadOptions["group"];
  for (let i = 1; i < argv.length; i++) {
    const moreArgs = argv.length - i - 1;
    const option = argv[i]!;
    if (isOption(option, "block") && moreArgs) {
      const timeout = parseInteger(argv[++i]!, "ERR timeout is not an integer or out of range");
      if (timeout < 0) fail("ERR timeout is negative");
    } else if (isOption(option, "count") && moreArgs) {
      count = Math.max(0, parseInteger(argv[++i]!));
    } else if (isOption(option, "streams") && moreArgs) {
      const rest = argv.slice(i + 1);
      if (rest.length % 2 !== 0) {
        // Redis 7.0 words it this way for XREADGROUP too.
        fail("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      if (xreadgroup && !group) fail("ERR Missing GROUP option for XREADGROUP");
      const half = rest.length / 2;
      return { count, noAck, group, keys: rest.slice(0, half), ids: rest.slice(half) };
    } else if (isOption(option, "group") && moreArgs >= 2) {
      if (!xreadgroup) fail("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
      group = { name: argv[i + 1]!, consumer: argv[i + 2]! };
      i += 2;
    } else if (isOption(option, "noack")) {
      if (!xreadgroup) fail("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
      noAck = true;
    } else {
      fail(SYNTAX);
    }
  }
  fail(SYNTAX);
}

/** One stream to read: its group, and the ID after which to read (null: `>`). */
interface Source {
  key: string;
  stream: Stream | undefined;
  group: ConsumerGroup | undefined;
  after: StreamId | null;
}

function resolveSources(ctx: Ctx, options: ReadOptions): Source[] {
  return options.keys.map((key, index) => {
    const stream = ctx.db.get(key, "stream");
    let group: ConsumerGroup | undefined;
    if (options.group) {
      group = stream?.groups.get(options.group.name);
      if (!group) {
        fail(`NOGROUP No such key '${key}' or consumer group '${options.group.name}' in XREADGROUP with GROUP option`);
      }
    }
    const text = options.ids[index]!;
    if (text === "$") {
      if (options.group) {
        fail(
          "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
        );
      }
      return { key, stream, group, after: stream?.lastId ?? MIN_ID };
    }
    if (text === ">") {
      if (!options.group) {
        fail("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
      }
      return { key, stream, group, after: null };
    }
    const id = parseStrictId(text);
    // Redis encodes `>` as the maximum ID, so an explicit maximum ID means `>` too.
    if (options.group && compareIds(id, MAX_ID) === 0) return { key, stream, group, after: null };
    return { key, stream, group, after: id };
  });
}

/** The consumer's own pending entries after `after`; gone entries come back as [id, nil]. */
function readHistory(ctx: Ctx, source: Source, consumerName: string, after: StreamId, count: number): Reply[] {
  const consumer = source.group!.consumer(consumerName, ctx.now);
  const start = incrId(after)!;
  const out: Reply[] = [];
  for (const [id, nack] of consumer.pel.from(start)) {
    if (count && out.length >= count) break;
    const entry = source.stream?.get(id);
    if (!entry) {
      out.push([formatId(id), null]);
      continue;
    }
    nack.deliveryTime = ctx.now;
    nack.deliveryCount++;
    out.push(entryReply(entry));
  }
  return out;
}

/** New entries for the group: advances last-delivered-id and fills the PELs. */
function readNew(ctx: Ctx, source: Source, consumerName: string, options: ReadOptions): Reply[] {
  const stream = source.stream!;
  const group = source.group!;
  const consumer = group.consumer(consumerName, ctx.now);
  const out: Reply[] = [];
  for (const entry of stream.range(incrId(group.lastId) ?? MAX_ID, MAX_ID)) {
    if (compareIds(entry.id, group.lastId) > 0) advanceGroup(stream, group, entry.id);
    out.push(entryReply(entry));
    if (!options.noAck) {
      // An entry can already be pending after XGROUP SETID rewound the group.
      const nack = group.pel.get(entry.id);
      if (nack) {
        group.assign(entry.id, nack, consumer);
        nack.deliveryTime = ctx.now;
        nack.deliveryCount = 1;
      } else {
        const created = { consumer, deliveryTime: ctx.now, deliveryCount: 1 };
        group.pel.set(entry.id, created);
        consumer.pel.set(entry.id, created);
      }
    }
    if (options.count && out.length === options.count) break;
  }
  return out;
}

function read(ctx: Ctx, argv: readonly string[], xreadgroup: boolean): Reply {
  const options = parseRead(argv, xreadgroup);
  const sources = resolveSources(ctx, options);
  const served: Reply[] = [];
  for (const source of sources) {
    const { stream, group, after } = source;
    const consumerName = options.group?.consumer ?? "";
    if (group && after) {
      served.push([source.key, readHistory(ctx, source, consumerName, after, options.count)]);
    } else if (group) {
      if (stream?.length && compareIds(stream.lastValidId(), group.lastId) > 0) {
        served.push([source.key, readNew(ctx, source, consumerName, options)]);
      }
    } else if (stream?.length && after && compareIds(stream.lastValidId(), after) > 0) {
      const entries: Reply[] = [];
      for (const entry of stream.range(incrId(after)!, MAX_ID)) {
        entries.push(entryReply(entry));
        if (options.count && entries.length === options.count) break;
      }
      served.push([source.key, entries]);
    }
  }
  if (served.length === 0) {
    ctx.unchanged = true;
    return null;
  }
  return served;
}

export function xread(ctx: Ctx, argv: readonly string[]): Reply {
  return read(ctx, argv, false);
}

export function xreadgroup(ctx: Ctx, argv: readonly string[]): Reply {
  return read(ctx, argv, true);
}
