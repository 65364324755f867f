/**
 * XLEN, XRANGE, XREVRANGE.
 * @see https://redis.io/commands/xrange
 */
import { isOption, parseInteger } from "../args.js";
import { entryReply, type Ctx, type Reply } from "../command.js";
import { fail, SYNTAX } from "../errors.js";
import { parseRangeEnd, parseRangeStart } from "../stream-id.js";

export function xlen(ctx: Ctx, argv: readonly string[]): Reply {
  return ctx.db.get(argv[1]!, "stream")?.length ?? 0;
}

function rangeCommand(ctx: Ctx, argv: readonly string[], rev: boolean): Reply {
  const start = parseRangeStart(argv[rev ? 3 : 2]!);
  const end = parseRangeEnd(argv[rev ? 2 : 3]!);
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (!isOption(argv[j], "count") || j + 1 >= argv.length) fail(SYNTAX);
    count = Math.max(0, parseInteger(argv[++j]!));
  }
  const stream = ctx.db.get(argv[1]!, "stream");
  if (!stream) return [];
  if (count === 0) return null;
  const out: Reply[] = [];
  for (const entry of stream.range(start, end, rev)) {
    out.push(entryReply(entry));
    if (out.length === count) break;
  }
  return out;
}

export function xrange(ctx: Ctx, argv: readonly string[]): Reply {
  return rangeCommand(ctx, argv, false);
}

export function xrevrange(ctx: Ctx, argv: readonly string[]): Reply {
  return rangeCommand(ctx, argv, true);
}
