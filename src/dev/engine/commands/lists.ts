/**
 * LPUSH, RPUSH, LRANGE, LTRIM, LLEN.
 * @see https://redis.io/commands/lrange
 */
import { parseInteger } from "../args.js";
import type { Ctx, Reply } from "../command.js";

function push(ctx: Ctx, argv: readonly string[], left: boolean): Reply {
  const key = argv[1]!;
  const list = ctx.db.get(key, "list") ?? [];
  for (const value of argv.slice(2)) {
    if (left) list.unshift(value);
    else list.push(value);
  }
  if (!ctx.db.has(key)) ctx.db.set(key, list);
  return list.length;
}

export function lpush(ctx: Ctx, argv: readonly string[]): Reply {
  return push(ctx, argv, true);
}

export function rpush(ctx: Ctx, argv: readonly string[]): Reply {
  return push(ctx, argv, false);
}

/** Redis index arithmetic: negatives count from the end, then clamp; null when empty. */
function window(length: number, start: number, end: number): [number, number] | null {
  if (start < 0) start = Math.max(0, length + start);
  if (end < 0) end = length + end;
  if (start > end || start >= length) return null;
  return [start, Math.min(end, length - 1)];
}

export function lrange(ctx: Ctx, argv: readonly string[]): Reply {
  const start = parseInteger(argv[2]!);
  const end = parseInteger(argv[3]!);
  const list = ctx.db.get(argv[1]!, "list");
  const bounds = list && window(list.length, start, end);
  return list && bounds ? list.slice(bounds[0], bounds[1] + 1) : [];
}

export function ltrim(ctx: Ctx, argv: readonly string[]): Reply {
  const start = parseInteger(argv[2]!);
  const end = parseInteger(argv[3]!);
  const key = argv[1]!;
  const list = ctx.db.get(key, "list");
  if (!list) return "OK";
  const bounds = window(list.length, start, end);
  const kept = bounds ? list.slice(bounds[0], bounds[1] + 1) : [];
  list.splice(0, list.length, ...kept);
  if (list.length === 0) ctx.db.delete(key);
  return "OK";
}

export function llen(ctx: Ctx, argv: readonly string[]): Reply {
  return ctx.db.get(argv[1]!, "list")?.length ?? 0;
}
