/**
 * Keyspace commands: DEL, EXISTS, TYPE, KEYS, SCAN, EXPIRE, PEXPIRE, TTL,
 * PTTL, DBSIZE, FLUSHDB, FLUSHALL.
 * @see https://redis.io/commands/expire
 */
import { asciiLower, I64_MAX, I64_MIN, isOption, parseBigInt, parseInteger } from "../args.js";
import type { Ctx, Reply } from "../command.js";
import { fail, SYNTAX } from "../errors.js";
import { globMatch } from "../glob.js";
import { typeOf } from "../keyspace.js";

export function del(ctx: Ctx, argv: readonly string[]): Reply {
  let deleted = 0;
  for (const key of argv.slice(1)) if (ctx.db.delete(key)) deleted++;
  ctx.unchanged = deleted === 0;
  return deleted;
}

export function exists(ctx: Ctx, argv: readonly string[]): Reply {
  return argv.slice(1).filter((key) => ctx.db.has(key)).length;
}

export function type(ctx: Ctx, argv: readonly string[]): Reply {
  const value = ctx.db.lookup(argv[1]!);
  return value === undefined ? "none" : typeOf(value);
}

export function keys(ctx: Ctx, argv: readonly string[]): Reply {
  const pattern = argv[1]!;
  const out: string[] = [];
  for (const [key] of ctx.db.entries()) if (pattern === "*" || globMatch(pattern, key)) out.push(key);
  return out;
}

/** parseScanCursorOrReply's strtoul grammar: "" is 0, a sign is allowed, spaces are not. */
function validCursor(text: string): boolean {
  if (text === "") return true;
  const digits = /^[+-]?([0-9]+)$/.exec(text)?.[1];
  return digits !== undefined && BigInt(digits) <= (1n << 64n) - 1n;
}

/** One pass over the whole keyspace: the cursor that comes back is always 0. */
export function scan(ctx: Ctx, argv: readonly string[]): Reply {
  const cursor = argv[1]!;
  if (!validCursor(cursor)) fail("ERR invalid cursor");
  let pattern: string | undefined;
  let typeName: string | undefined;
  for (let i = 2; i < argv.length; i += 2) {
    const hasValue = i + 1 < argv.length;
    if (isOption(argv[i], "count") && hasValue) {
      if (parseInteger(argv[i + 1]!) < 1) fail(SYNTAX);
    } else if (isOption(argv[i], "match") && hasValue) {
      pattern = argv[i + 1];
    } else if (isOption(argv[i], "type") && hasValue) {
      typeName = asciiLower(argv[i + 1]!);
    } else fail(SYNTAX);
  }
  const out: string[] = [];
  // A cursor other than 0 can only come from an earlier call, which already returned everything.
  if (!/^[+-]?0*$/.test(cursor)) return ["0", out];
  for (const [key, value] of ctx.db.entries()) {
    if (pattern !== undefined && pattern !== "*" && !globMatch(pattern, key)) continue;
    if (typeName !== undefined && typeOf(value) !== typeName) continue;
    out.push(key);
  }
  return ["0", out];
}

function parseExpireFlags(argv: readonly string[]): Set<string> {
  const flags = new Set<string>();
  for (const option of argv.slice(3)) {
    const flag = asciiLower(option);
    if (!["nx", "xx", "gt", "lt"].includes(flag)) fail(`ERR Unsupported option ${option}`);
    flags.add(flag);
  }
  if (flags.has("nx") && (flags.has("xx") || flags.has("gt") || flags.has("lt"))) {
    fail("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (flags.has("gt") && flags.has("lt")) fail("ERR GT and LT options at the same time are not compatible");
  return flags;
}

function expireGeneric(ctx: Ctx, argv: readonly string[], unitMs: bigint): Reply {
  const name = unitMs === 1000n ? "expire" : "pexpire";
  const invalid = `ERR invalid expire time in '${name}' command`;
  const flags = parseExpireFlags(argv);
  let when = parseBigInt(argv[2]!);
  if (when > I64_MAX / unitMs || when < I64_MIN / unitMs) fail(invalid);
  when *= unitMs;
  if (when > I64_MAX - BigInt(ctx.now)) fail(invalid);
  const at = Number(when + BigInt(ctx.now));

  const key = argv[1]!;
  const current = ctx.db.expiresAt(key);
  ctx.unchanged = true;
  if (current === undefined) return 0;
  if (flags.has("nx") && current !== null) return 0;
  if (flags.has("xx") && current === null) return 0;
  // A key without a TTL counts as never expiring: GT never beats it, LT always does.
  if (flags.has("gt") && (current === null || at <= current)) return 0;
  if (flags.has("lt") && current !== null && at >= current) return 0;
  ctx.unchanged = false;
  if (at <= ctx.now) ctx.db.delete(key);
  else ctx.db.setExpiry(key, at);
  return 1;
}

export function expire(ctx: Ctx, argv: readonly string[]): Reply {
  return expireGeneric(ctx, argv, 1000n);
}

export function pexpire(ctx: Ctx, argv: readonly string[]): Reply {
  return expireGeneric(ctx, argv, 1n);
}

function ttlGeneric(ctx: Ctx, argv: readonly string[], inMs: boolean): Reply {
  const at = ctx.db.expiresAt(argv[1]!);
  if (at === undefined) return -2;
  if (at === null) return -1;
  const ttl = Math.max(0, at - ctx.now);
  return inMs ? ttl : Math.floor((ttl + 500) / 1000);
}

export function ttl(ctx: Ctx, argv: readonly string[]): Reply {
  return ttlGeneric(ctx, argv, false);
}

export function pttl(ctx: Ctx, argv: readonly string[]): Reply {
  return ttlGeneric(ctx, argv, true);
}

export function dbsize(ctx: Ctx): Reply {
  return ctx.db.size;
}

/** FLUSHDB and FLUSHALL: one database here, so they are the same. */
export function flush(ctx: Ctx, argv: readonly string[]): Reply {
  if (argv.length > 2 || (argv.length === 2 && !isOption(argv[1], "sync") && !isOption(argv[1], "async"))) {
    fail(SYNTAX);
  }
  ctx.db.clear();
  return "OK";
}
