/**
 * How a check prepares its keys: a fresh stream with group "g" and the
 * backstop TTL, then one pipeline whose every command must succeed (a refusal
 * fails the check, naming which command), so each check states only what it
 * adds.
 */
import type { Command, Reply } from "../core/redis/transport.js";
import type { DoctorContext } from "./check.js";
import { resultOf } from "./outcome.js";

/** `XGROUP CREATE <stream> g $ MKSTREAM` and its TTL, for a fresh key named `name`. */
export function groupedStream(ctx: DoctorContext, name: string): { stream: string; create: Command[] } {
  const stream = ctx.key(name);
  return { stream, create: [["XGROUP", "CREATE", stream, "g", "$", "MKSTREAM"], ctx.expire(stream)] };
}

/** Sends the setup as one pipeline; answers each command's result, in order. */
export async function setUp(ctx: DoctorContext, commands: readonly Command[]): Promise<Reply[]> {
  const outcomes = await ctx.transport.pipeline(commands);
  return commands.map((_, i) => resultOf(outcomes[i], `setup command ${i + 1}`));
}
