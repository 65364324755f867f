/**
 * XADD, XTRIM, XDEL. Options are parsed in Redis's order
 * (streamParseAddOrTrimArgsOrReply), so the first error reported for a bad
 * command line is the one Redis would report.
 * @see https://redis.io/commands/xadd
 */
import { isOption, parseInteger } from "../args.js";
import type { Ctx, Reply } from "../command.js";
import { arityError, fail, SYNTAX } from "../errors.js";
import { NODE_MAX_ENTRIES, Stream } from "../stream.js";
import { trimStream, type TrimArgs } from "../stream-trim.js";
import {
  compareIds,
  formatId,
  incrId,
  isZeroId,
  MAX_ID,
  parseIdWith,
  parseStrictId,
  U64_MAX,
  type ParsedId,
  type StreamId,
} from "../stream-id.js";

interface AddOrTrimArgs {
  trim: TrimArgs | null;
  /** XADD: the explicit ID, null for `*`. */
  id: ParsedId | null;
  noMkStream: boolean;
  /** Index of the ID argument (XADD). */
  idIndex: number;
}

const BOTH_STRATEGIES = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";

function parseAddOrTrim(argv: readonly string[], xadd: boolean): AddOrTrimArgs {
  let strategy: "maxlen" | "minid" | null = null;
  let approx = false;
  let maxlen = 0;
  let minid: StreamId = { ms: 0n, seq: 0n };
  let limit = 0;
  let limitGiven = false;
  let noMkStream = false;
  let id: ParsedId | null = null;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreArgs = argv.length - 1 - i;
    const option = argv[i]!;
    if (xadd && option === "*") break;
    if ((isOption(option, "maxlen") || isOption(option, "minid")) && moreArgs) {
      if (strategy) fail(BOTH_STRATEGIES);
      approx = false;
      const next = argv[i + 1];
      if (moreArgs >= 2 && next === "~") {
        approx = true;
        i++;
      } else if (moreArgs >= 2 && next === "=") {
        i++;
      }
      if (isOption(option, "maxlen")) {
        maxlen = parseInteger(argv[i + 1]!);
        if (maxlen < 0) fail("ERR The MAXLEN argument must be >= 0.");
        strategy = "maxlen";
      } else {
        minid = parseStrictId(argv[i + 1]!);
        strategy = "minid";
      }
      i++;
    } else if (isOption(option, "limit") && moreArgs) {
      limit = parseInteger(argv[i + 1]!);
      if (limit < 0) fail("ERR The LIMIT argument must be >= 0.");
      limitGiven = true;
      i++;
    } else if (xadd && isOption(option, "nomkstream")) {
      noMkStream = true;
    } else if (xadd) {
      id = parseIdWith(option, { strict: true, seqWildcard: true });
      break;
    } else {
      fail(SYNTAX);
    }
  }
  if (limit && !strategy) fail("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
  if (!xadd && !strategy) fail("ERR syntax error, XTRIM must be called with a trimming strategy");
  if (limitGiven && !approx) fail("ERR syntax error, LIMIT cannot be used without the special ~ option");
  // Unbounded `~` would let one call walk the whole stream: Redis caps it at 100 nodes.
  if (!limitGiven) limit = approx ? 100 * NODE_MAX_ENTRIES : 0;
  const trim: TrimArgs | null =
    strategy === "maxlen"
      ? { strategy, maxlen, approx, limit }
      : strategy === "minid"
        ? { strategy, minid, approx, limit }
        : null;
  return { trim, id, noMkStream, idIndex: i };
}

/** streamNextID: the clock, or one past the top ID when the clock lags behind it. */
function nextAutoId(last: StreamId, now: number): StreamId {
  const ms = BigInt(now);
  return ms > last.ms ? { ms, seq: 0n } : incrId(last)!;
}

const NOT_GREATER = "ERR The ID specified in XADD is equal or smaller than the target stream top item";

export function xadd(ctx: Ctx, argv: readonly string[]): Reply {
  const args = parseAddOrTrim(argv, true);
  const fields = argv.slice(args.idIndex + 1);
  if (fields.length < 2 || fields.length % 2 === 1) arityError("xadd");
  if (args.id?.seqGiven && isZeroId(args.id.id)) fail("ERR The ID specified in XADD must be greater than 0-0");

  const key = argv[1]!;
  let stream = ctx.db.get(key, "stream");
  if (!stream) {
    if (args.noMkStream) {
      ctx.unchanged = true;
      return null;
    }
    stream = new Stream();
    ctx.db.set(key, stream);
  }
  if (compareIds(stream.lastId, MAX_ID) === 0) {
    fail("ERR The stream has exhausted the last possible ID, unable to add more items");
  }

  let id: StreamId;
  if (!args.id) {
    id = nextAutoId(stream.lastId, ctx.now);
  } else if (args.id.seqGiven || args.id.id.ms !== stream.lastId.ms) {
    id = args.id.id;
  } else {
    if (stream.lastId.seq === U64_MAX) fail(NOT_GREATER);
    id = { ms: stream.lastId.ms, seq: stream.lastId.seq + 1n };
  }
  if (args.id && compareIds(id, stream.lastId) <= 0) fail(NOT_GREATER);

  stream.append(id, fields);
  if (args.trim) trimStream(stream, args.trim);
  return formatId(id);
}

export function xtrim(ctx: Ctx, argv: readonly string[]): Reply {
  const { trim } = parseAddOrTrim(argv, false);
  const stream = ctx.db.get(argv[1]!, "stream");
  const deleted = stream && trim ? trimStream(stream, trim) : 0;
  ctx.unchanged = deleted === 0;
  return deleted;
}

export function xdel(ctx: Ctx, argv: readonly string[]): Reply {
  // Redis looks the key up before it validates the IDs.
  const stream = ctx.db.get(argv[1]!, "stream");
  if (!stream) {
    ctx.unchanged = true;
    return 0;
  }
  const ids = argv.slice(2).map(parseStrictId);
  let deleted = 0;
  let firstDeleted = false;
  for (const id of ids) {
    if (!stream.delete(id)) continue;
    if (compareIds(id, stream.firstId) === 0) firstDeleted = true;
    if (compareIds(id, stream.maxDeletedId) > 0) stream.maxDeletedId = id;
    deleted++;
  }
  if (deleted && stream.length === 0) stream.firstId = { ms: 0n, seq: 0n };
  else if (firstDeleted) stream.firstId = stream.firstEntry()!.id;
  ctx.unchanged = deleted === 0;
  return deleted;
}
