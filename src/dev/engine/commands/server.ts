/**
 * PING, ECHO, TIME.
 * @see https://redis.io/commands/time
 */
import type { Ctx, Reply } from "../command.js";
import { arityError } from "../errors.js";

export function ping(_ctx: Ctx, argv: readonly string[]): Reply {
  if (argv.length > 2) arityError("ping");
  return argv[1] ?? "PONG";
}

export function echo(_ctx: Ctx, argv: readonly string[]): Reply {
  return argv[1]!;
}

/** [unix seconds, microseconds], as bulk strings. */
export function time(ctx: Ctx): Reply {
  return [String(Math.floor(ctx.now / 1000)), String((ctx.now % 1000) * 1000)];
}
