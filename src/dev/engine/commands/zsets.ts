/**
 * ZADD (NX, XX, GT, LT, CH, INCR), ZREM, ZCARD, ZSCORE, ZRANGE by index
 * (WITHSCORES), ZRANGEBYSCORE (WITHSCORES, LIMIT), ZREMRANGEBYSCORE: what delayed delivery and rate
 * limits need, with Redis 7.0's error texts and score formatting.
 * @see https://redis.io/commands/zadd
 */
import { isOption, parseInteger } from "../args.js";
import type { Ctx, Reply } from "../command.js";
import { fail, SYNTAX } from "../errors.js";
import { formatScore, SortedSet } from "../sorted-set.js";

const NOT_FLOAT = "ERR value is not a valid float";

/** strtod as Redis reads a score: decimals, exponents, inf; never NaN. */
function parseScore(text: string, message = NOT_FLOAT): number {
  const lower = text.toLowerCase();
  const value = /^[+-]?(inf|infinity)$/.test(lower) ? (lower.startsWith("-") ? -Infinity : Infinity) : text.trim() === text && text !== "" ? Number(text) : NaN;
  if (Number.isNaN(value)) fail(message);
  return value;
}

export function zadd(ctx: Ctx, argv: readonly string[]): Reply {
  const flags = new Set<string>();
  let at = 2;
  for (; at < argv.length; at++) {
    const flag = ["nx", "xx", "gt", "lt", "ch", "incr"].find((name) => isOption(argv[at], name));
    if (!flag) break;
    flags.add(flag);
  }
  const pairs = argv.length - at;
  if (pairs === 0 || pairs % 2 === 1) fail(SYNTAX);
  if (flags.has("nx") && flags.has("xx")) fail("ERR XX and NX options at the same time are not compatible");
  if ([flags.has("gt"), flags.has("lt"), flags.has("nx")].filter(Boolean).length > 1) {
    fail("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (flags.has("incr") && pairs > 2) fail("ERR INCR option supports a single increment-element pair");
  const items: [number, string][] = [];
  for (let i = at; i < argv.length; i += 2) items.push([parseScore(argv[i]!), argv[i + 1]!]);

  const key = argv[1]!;
  const set = ctx.db.get(key, "zset") ?? new SortedSet();
  let added = 0;
  let changed = 0;
  let incremented: number | null = null;
  for (const [score, member] of items) {
    const current = set.scores.get(member);
    if ((current === undefined && flags.has("xx")) || (current !== undefined && flags.has("nx"))) continue;
    let next = score;
    if (flags.has("incr") && current !== undefined) next = current + score;
    if (Number.isNaN(next)) fail("ERR resulting score is not a number (NaN)");
    if (current !== undefined && ((flags.has("gt") && next <= current) || (flags.has("lt") && next >= current))) continue;
    incremented = next;
    if (current === undefined) added++;
    else if (current !== next) changed++;
    set.scores.set(member, next);
  }
  if (set.scores.size > 0 && !ctx.db.has(key)) ctx.db.set(key, set);
  ctx.unchanged = added + changed === 0;
  if (flags.has("incr")) return incremented === null ? null : formatScore(incremented);
  return flags.has("ch") ? added + changed : added;
}

export function zrem(ctx: Ctx, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const set = ctx.db.get(key, "zset");
  let removed = 0;
  for (const member of argv.slice(2)) if (set?.scores.delete(member)) removed++;
  if (set?.scores.size === 0) ctx.db.delete(key);
  ctx.unchanged = removed === 0;
  return removed;
}

export function zcard(ctx: Ctx, argv: readonly string[]): Reply {
  return ctx.db.get(argv[1]!, "zset")?.scores.size ?? 0;
}

export function zscore(ctx: Ctx, argv: readonly string[]): Reply {
  const score = ctx.db.get(argv[1]!, "zset")?.scores.get(argv[2]!);
  return score === undefined ? null : formatScore(score);
}

/** `(5` exclusive, `5` inclusive, `-inf` / `+inf`. */
function scoreBound(text: string): { value: number; open: boolean } {
  const open = text.startsWith("(");
  return { value: parseScore(open ? text.slice(1) : text, "ERR min or max is not a float"), open };
}

function inRange(argv: readonly string[]): (score: number) => boolean {
  const min = scoreBound(argv[2]!);
  const max = scoreBound(argv[3]!);
  return (score) => (min.open ? score > min.value : score >= min.value) && (max.open ? score < max.value : score <= max.value);
}

export function zrangebyscore(ctx: Ctx, argv: readonly string[]): Reply {
  const within = inRange(argv);
  let withScores = false;
  let offset = 0;
  let count = -1;
  for (let i = 4; i < argv.length; i++) {
    if (isOption(argv[i], "withscores")) withScores = true;
    else if (isOption(argv[i], "limit") && i + 2 < argv.length) {
      offset = parseInteger(argv[i + 1]!);
      count = parseInteger(argv[i + 2]!);
      i += 2;
    } else fail(SYNTAX);
  }
  const set = ctx.db.get(argv[1]!, "zset");
  if (!set || offset < 0) return [];
  const found = set.ordered().filter(([, score]) => within(score));
  const page = found.slice(offset, count < 0 ? undefined : offset + count);
  return page.flatMap(([member, score]) => (withScores ? [member, formatScore(score)] : [member]));
}

/**
 * `ZRANGE key start stop [WITHSCORES]`, by index (negative from the end), the
 * form the API's delayed listing and retention's reference floor send. The
 * BYSCORE/BYLEX/REV/LIMIT forms are refused by name, so a new caller finds out.
 */
export function zrange(ctx: Ctx, argv: readonly string[]): Reply {
  let withScores = false;
  for (const option of argv.slice(4)) {
    if (isOption(option, "withscores")) withScores = true;
    else if (["byscore", "bylex", "rev", "limit"].some((name) => isOption(option, name))) fail(`ERR the embedded engine supports ZRANGE by index only, not ${option.toUpperCase()}`);
    else fail(SYNTAX);
  }
  const start = parseInteger(argv[2]!);
  const stop = parseInteger(argv[3]!);
  const members = ctx.db.get(argv[1]!, "zset")?.ordered() ?? [];
  const from = start < 0 ? Math.max(0, members.length + start) : start;
  const to = stop < 0 ? members.length + stop : Math.min(stop, members.length - 1);
  if (from > to) return [];
  return members.slice(from, to + 1).flatMap(([member, score]) => (withScores ? [member, formatScore(score)] : [member]));
}

export function zremrangebyscore(ctx: Ctx, argv: readonly string[]): Reply {
  const within = inRange(argv);
  const key = argv[1]!;
  const set = ctx.db.get(key, "zset");
  let removed = 0;
  for (const [member, score] of set?.scores ?? []) {
    if (within(score)) {
      set!.scores.delete(member);
      removed++;
    }
  }
  if (set?.scores.size === 0) ctx.db.delete(key);
  ctx.unchanged = removed === 0;
  return removed;
}
