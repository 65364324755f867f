/**
 * What a command handler sees and returns. Handlers are synchronous and pure
 * over the keyspace: all time comes from `ctx.now`, which is what makes the
 * append-only log replay to the same state.
 */
import type { Outcome, Reply } from "../bridge/backend.js";
import type { Keyspace } from "./keyspace.js";
import type { ScriptCache } from "./lua/scripts.js";
import type { StreamEntry } from "./stream.js";
import { formatId } from "./stream-id.js";

export type { Reply };

export interface Ctx {
  readonly db: Keyspace;
  /** The engine clock for this command (or whole transaction), unix ms. */
  readonly now: number;
  /**
   * Set by a write command that changed nothing (an empty poll, an XACK of
   * nothing), so it need not reach the log.
   */
  unchanged: boolean;
  /** The engine's scripts, for EVAL, EVALSHA and SCRIPT. */
  readonly scripts: ScriptCache;
  /**
   * Runs a command for a script's `redis.call`, in this command's clock and
   * log, refusing what Redis refuses from a script (and writes when `readOnly`).
   */
  readonly call: (argv: string[], readOnly: boolean) => Outcome;
}

export type Handler = (ctx: Ctx, argv: readonly string[]) => Reply;

export interface CommandSpec {
  /** Redis arity: n exact, -n at least n (the name counts). */
  arity: number;
  /** May change state, so successful runs are logged. */
  write: boolean;
  run: Handler;
}

export interface ContainerSpec {
  arity: number;
  subcommands: Record<string, CommandSpec>;
}

/** `[id, [field, value, …]]`, the shape of one stream entry in every reply. */
export function entryReply(entry: StreamEntry): Reply {
  return [formatId(entry.id), [...entry.fields]];
}
