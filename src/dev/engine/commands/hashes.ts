/**
 * HSET, HGET, HMGET, HGETALL, HDEL, HINCRBY, HLEN. Fields keep insertion order, as
 * Redis's small (listpack) hashes do.
 * @see https://redis.io/commands/hset
 */
import { I64_MAX, I64_MIN, isCanonicalInteger, parseBigInt } from "../args.js";
import type { Ctx, Reply } from "../command.js";
import { arityError, fail } from "../errors.js";

export function hset(ctx: Ctx, argv: readonly string[]): Reply {
  if (argv.length % 2 === 1) arityError("hset");
  const key = argv[1]!;
  const hash = ctx.db.get(key, "hash") ?? new Map<string, string>();
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (!hash.has(argv[i]!)) created++;
    hash.set(argv[i]!, argv[i + 1]!);
  }
  if (!ctx.db.has(key)) ctx.db.set(key, hash);
  return created;
}

export function hget(ctx: Ctx, argv: readonly string[]): Reply {
  return ctx.db.get(argv[1]!, "hash")?.get(argv[2]!) ?? null;
}

export function hmget(ctx: Ctx, argv: readonly string[]): Reply {
  const hash = ctx.db.get(argv[1]!, "hash");
  return argv.slice(2).map((field) => hash?.get(field) ?? null);
}

export function hgetall(ctx: Ctx, argv: readonly string[]): Reply {
  return [...(ctx.db.get(argv[1]!, "hash") ?? new Map<string, string>())].flat();
}

export function hlen(ctx: Ctx, argv: readonly string[]): Reply {
  return ctx.db.get(argv[1]!, "hash")?.size ?? 0;
}

export function hdel(ctx: Ctx, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const hash = ctx.db.get(key, "hash");
  let deleted = 0;
  for (const field of argv.slice(2)) if (hash?.delete(field)) deleted++;
  if (hash?.size === 0) ctx.db.delete(key);
  ctx.unchanged = deleted === 0;
  return deleted;
}

export function hincrby(ctx: Ctx, argv: readonly string[]): Reply {
  const [, key, field] = argv as [string, string, string];
  const by = parseBigInt(argv[3]!);
  const hash = ctx.db.get(key, "hash") ?? new Map<string, string>();
  const current = hash.get(field);
  if (current !== undefined && !isCanonicalInteger(current)) fail("ERR hash value is not an integer");
  const next = (current === undefined ? 0n : BigInt(current)) + by;
  if (next > I64_MAX || next < I64_MIN) fail("ERR increment or decrement would overflow");
  hash.set(field, String(next));
  if (!ctx.db.has(key)) ctx.db.set(key, hash);
  return Number(next);
}
