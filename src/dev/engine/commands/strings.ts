/**
 * GET, MGET, STRLEN, SET (EX/PX/EXAT/PXAT/KEEPTTL/NX/XX/GET), INCR, INCRBY, DECR, DECRBY.
 * @see https://redis.io/commands/set
 */
import { asciiLower, I64_MAX, I64_MIN, isCanonicalInteger, parseBigInt } from "../args.js";
import type { Ctx, Reply } from "../command.js";
import { fail, NOT_INTEGER, SYNTAX } from "../errors.js";

export function get(ctx: Ctx, argv: readonly string[]): Reply {
  return ctx.db.get(argv[1]!, "string") ?? null;
}

/** A key that is missing or holds another type is nil, never WRONGTYPE. */
export function mget(ctx: Ctx, argv: readonly string[]): Reply {
  return argv.slice(1).map((key) => {
    const value = ctx.db.lookup(key);
    return typeof value === "string" ? value : null;
  });
}

/** In bytes, as Redis stores the string (UTF-8 here). */
export function strlen(ctx: Ctx, argv: readonly string[]): Reply {
  return Buffer.byteLength(ctx.db.get(argv[1]!, "string") ?? "");
}

type ExpiryUnit = "ex" | "px" | "exat" | "pxat";

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  expiry?: { unit: ExpiryUnit; value: string };
}

/** parseExtendedStringArgumentsOrReply: each flag refuses the ones it conflicts with. */
function parseSet(argv: readonly string[]): SetOptions {
  const options: SetOptions = { nx: false, xx: false, get: false, keepTtl: false };
  for (let j = 3; j < argv.length; j++) {
    const option = asciiLower(argv[j]!);
    const next = argv[j + 1];
    const unit = options.expiry?.unit;
    if (option === "nx" && !options.xx) options.nx = true;
    else if (option === "xx" && !options.nx) options.xx = true;
    else if (option === "get") options.get = true;
    else if (option === "keepttl" && !options.expiry) options.keepTtl = true;
    else if (
      (option === "ex" || option === "px" || option === "exat" || option === "pxat") &&
      !options.keepTtl &&
      (unit === undefined || unit === option) &&
      next !== undefined
    ) {
      options.expiry = { unit: option, value: next };
      j++;
    } else fail(SYNTAX);
  }
  return options;
}

/** getExpireMillisecondsOrReply: an absolute unix time in ms. */
function expiryAt(expiry: NonNullable<SetOptions["expiry"]>, now: number): number {
  const invalid = "ERR invalid expire time in 'set' command";
  let ms = parseBigInt(expiry.value);
  const seconds = expiry.unit === "ex" || expiry.unit === "exat";
  if (ms <= 0n || (seconds && ms > I64_MAX / 1000n)) fail(invalid);
  if (seconds) ms *= 1000n;
  if (expiry.unit === "ex" || expiry.unit === "px") ms += BigInt(now);
  if (ms <= 0n) fail(invalid);
  return Number(ms);
}

export function set(ctx: Ctx, argv: readonly string[]): Reply {
  const [, key, value] = argv as [string, string, string];
  const options = parseSet(argv);
  const expiresAt = options.expiry ? expiryAt(options.expiry, ctx.now) : null;
  const previous = options.get ? (ctx.db.get(key, "string") ?? null) : null;
  const found = ctx.db.has(key);
  if ((options.nx && found) || (options.xx && !found)) {
    ctx.unchanged = true;
    return options.get ? previous : null;
  }
  ctx.db.set(key, value, options.keepTtl);
  if (expiresAt !== null) ctx.db.setExpiry(key, expiresAt);
  return options.get ? previous : "OK";
}

function incrementBy(ctx: Ctx, key: string, by: bigint): Reply {
  const current = ctx.db.get(key, "string");
  if (current !== undefined && !isCanonicalInteger(current)) fail(NOT_INTEGER);
  const old = current === undefined ? 0n : BigInt(current);
  const next = old + by;
  if (next > I64_MAX || next < I64_MIN) fail("ERR increment or decrement would overflow");
  // INCR rewrites the value in place: the key keeps its TTL.
  ctx.db.set(key, String(next), true);
  return Number(next);
}

export function incr(ctx: Ctx, argv: readonly string[]): Reply {
  return incrementBy(ctx, argv[1]!, 1n);
}

export function decr(ctx: Ctx, argv: readonly string[]): Reply {
  return incrementBy(ctx, argv[1]!, -1n);
}

export function incrby(ctx: Ctx, argv: readonly string[]): Reply {
  return incrementBy(ctx, argv[1]!, parseBigInt(argv[2]!));
}

export function decrby(ctx: Ctx, argv: readonly string[]): Reply {
  const by = parseBigInt(argv[2]!);
  if (by === I64_MIN) fail("ERR decrement would overflow");
  return incrementBy(ctx, argv[1]!, -by);
}
