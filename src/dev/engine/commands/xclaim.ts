/**
 * XCLAIM and XAUTOCLAIM, as of Redis 7.0: a pending entry whose stream entry
 * is gone (XDEL, XTRIM) is dropped from the PEL instead of being claimed.
 * XCLAIM skips it silently; XAUTOCLAIM lists it in its third reply element.
 * @see https://redis.io/commands/xautoclaim
 */
import { isOption, parseBigInt, parseInteger } from "../args.js";
import { entryReply, type Ctx, type Reply } from "../command.js";
import { fail, SYNTAX } from "../errors.js";
import type { Consumer, ConsumerGroup, Nack } from "../group.js";
import type { Stream } from "../stream.js";
import { compareIds, formatId, MIN_ID, parseRangeStart, parseStrictId, tryParseStrictId, type StreamId } from "../stream-id.js";
import { requireGroup } from "./xpending.js";

/** Moves one pending entry to `consumer` and renders it (JUSTID: the ID only). */
function claim(stream: Stream, group: ConsumerGroup, id: StreamId, nack: Nack, consumer: Consumer, justId: boolean): Reply {
  group.assign(id, nack, consumer);
  return justId ? formatId(id) : entryReply(stream.get(id)!);
}

interface ClaimOptions {
  justId: boolean;
  force: boolean;
  deliveryTime: number | null;
  retryCount: number | null;
  lastId: StreamId;
}

function parseClaimOptions(argv: readonly string[], from: number, now: number): ClaimOptions {
  const options: ClaimOptions = { justId: false, force: false, deliveryTime: null, retryCount: null, lastId: MIN_ID };
  for (let j = from; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j;
    const option = argv[j]!;
    if (isOption(option, "force")) options.force = true;
    else if (isOption(option, "justid")) options.justId = true;
    else if (isOption(option, "idle") && moreArgs) {
      options.deliveryTime = now - parseInteger(argv[++j]!, "ERR Invalid IDLE option argument for XCLAIM");
    } else if (isOption(option, "time") && moreArgs) {
      options.deliveryTime = parseInteger(argv[++j]!, "ERR Invalid TIME option argument for XCLAIM");
    } else if (isOption(option, "retrycount") && moreArgs) {
      options.retryCount = parseInteger(argv[++j]!, "ERR Invalid RETRYCOUNT option argument for XCLAIM");
    } else if (isOption(option, "lastid") && moreArgs) {
      options.lastId = parseStrictId(argv[++j]!);
    } else fail(`ERR Unrecognized XCLAIM option '${option}'`);
  }
  return options;
}

export function xclaim(ctx: Ctx, argv: readonly string[]): Reply {
  const [, key, groupName, consumerName] = argv as [string, string, string, string];
  const group = requireGroup(ctx, key, groupName);
  const stream = ctx.db.get(key, "stream")!;
  const minIdle = Math.max(0, parseInteger(argv[4]!, "ERR Invalid min-idle-time argument for XCLAIM"));
  // IDs run until the first argument that is not one; options follow.
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = tryParseStrictId(argv[j]!);
    if (!id) break;
    ids.push(id);
  }
  const options = parseClaimOptions(argv, j, ctx.now);
  let changed = false;
  if (compareIds(options.lastId, group.lastId) > 0) {
    group.lastId = options.lastId;
    changed = true;
  }
  // Clients compute IDLE/TIME from their own clocks: bogus values mean "now", not an error.
  let deliveryTime = options.deliveryTime ?? ctx.now;
  if (deliveryTime < 0 || deliveryTime > ctx.now) deliveryTime = ctx.now;

  let consumer: Consumer | undefined;
  const out: Reply[] = [];
  for (const id of ids) {
    let nack = group.pel.get(id);
    if (!stream.has(id)) {
      if (nack) changed = group.dropNack(id);
      continue;
    }
    if (!nack && options.force) {
      nack = { consumer: null, deliveryTime: ctx.now, deliveryCount: 1 };
      group.pel.set(id, nack);
    }
    if (!nack) continue;
    if (nack.consumer && minIdle && ctx.now - nack.deliveryTime < minIdle) continue;
    consumer ??= group.consumer(consumerName, ctx.now);
    nack.deliveryTime = deliveryTime;
    if (options.retryCount !== null && options.retryCount >= 0) nack.deliveryCount = options.retryCount;
    else if (!options.justId) nack.deliveryCount++;
    out.push(claim(stream, group, id, nack, consumer, options.justId));
    changed = true;
  }
  ctx.unchanged = !changed;
  return out;
}

export function xautoclaim(ctx: Ctx, argv: readonly string[]): Reply {
  const [, key, groupName, consumerName] = argv as [string, string, string, string];
  const minIdle = Math.max(0, parseInteger(argv[4]!, "ERR Invalid min-idle-time argument for XAUTOCLAIM"));
  const start = parseRangeStart(argv[5]!);
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    if (isOption(argv[j], "count") && j + 1 < argv.length) {
      // Redis bounds COUNT so that COUNT*10 attempts cannot overflow a long.
      const value = parseBigInt(argv[++j]!, "ERR COUNT must be > 0");
      if (value < 1n || value > ((1n << 63n) - 1n) / 16n) fail("ERR COUNT must be > 0");
      count = Number(value);
    } else if (isOption(argv[j], "justid")) justId = true;
    else fail(SYNTAX);
  }
  const group = requireGroup(ctx, key, groupName);
  const stream = ctx.db.get(key, "stream")!;
  // Redis allocates COUNT stream IDs up front; past what an address space can
  // hold (x86-64: 2^47 bytes) that allocation fails with this reply.
  if (count * 16 > 2 ** 47) fail("ERR Insufficient memory, failed allocating transient memory, COUNT too high.");

  // At most COUNT*10 PEL entries are examined, so one call stays cheap.
  let attempts = count * 10;
  let consumer: Consumer | undefined;
  const claimed: Reply[] = [];
  const deleted: Reply[] = [];
  let cursor: StreamId = MIN_ID;
  const pending = group.pel.from(start);
  for (let next = pending.next(); !next.done; next = pending.next()) {
    if (attempts-- === 0 || count === 0) {
      cursor = next.value[0];
      break;
    }
    const [id, nack] = next.value;
    if (!stream.has(id)) {
      group.dropNack(id);
      deleted.push(formatId(id));
      count--;
      continue;
    }
    if (minIdle && ctx.now - nack.deliveryTime < minIdle) continue;
    consumer ??= group.consumer(consumerName, ctx.now);
    nack.deliveryTime = ctx.now;
    if (!justId) nack.deliveryCount++;
    claimed.push(claim(stream, group, id, nack, consumer, justId));
    count--;
  }
  ctx.unchanged = claimed.length === 0 && deleted.length === 0;
  return [formatId(cursor), claimed, deleted];
}
