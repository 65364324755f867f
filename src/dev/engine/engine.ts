/**
 * The in-memory engine: a keyspace and the command table, no I/O. Every call
 * takes the clock value to use, so the same calls with the same clock values
 * always produce the same state; persistence relies on that to replay.
 */
import { asciiLower } from "./args.js";
import type { CommandSpec, Ctx } from "./command.js";
import { lookup, run, type Outcome } from "./dispatch.js";
import { EXECABORT } from "./errors.js";
import { Keyspace } from "./keyspace.js";
import { ScriptCache } from "./lua/scripts.js";
import { createLuaVm } from "./lua/vm.js";

export type { Outcome };

export interface Executed {
  outcome: Outcome;
  /** The write commands that ran and may have changed state, in order: what the log needs. */
  writes: string[][];
}

/** What Redis refuses from inside a script, by name. */
const NOT_FROM_SCRIPTS = new Set(["eval", "evalsha", "eval_ro", "evalsha_ro", "script", "multi", "exec", "discard", "watch", "unwatch"]);
/** The commands that need Lua, which loads asynchronously, the first time one comes. */
const NEEDS_LUA = new Set(["eval", "evalsha", "eval_ro", "evalsha_ro", "script"]);

export class Engine {
  readonly db = new Keyspace();
  readonly scripts = new ScriptCache();
  private loading: Promise<void> | undefined;

  /**
   * Loads Lua before the first command that needs it. Commands themselves
   * stay synchronous (so a script is atomic), which is why this is a step
   * of its own that callers await before `execute` or `transaction`.
   */
  async prepare(commands: readonly (readonly string[])[]): Promise<void> {
    if (this.scripts.vm || !commands.some((argv) => NEEDS_LUA.has(asciiLower(argv[0] ?? "")))) return;
    this.loading ??= createLuaVm().then((vm) => {
      this.scripts.vm = vm;
    });
    await this.loading;
  }

  private runOne(argv: string[], now: number, writes: string[][]): Outcome {
    const found = lookup(argv);
    if ("error" in found) return found;
    return this.runSpec(found.spec, argv, now, writes);
  }

  /** A script's `redis.call`: Redis's refusals first, then the command in the script's clock and log. */
  private callFromScript(argv: string[], readOnly: boolean, now: number, writes: string[][]): Outcome {
    if (NOT_FROM_SCRIPTS.has(asciiLower(argv[0] ?? ""))) return { error: "ERR This Redis command is not allowed from script" };
    const found = lookup(argv);
    if ("error" in found) {
      return {
        error: found.error.startsWith("ERR wrong number of arguments")
          ? "ERR Wrong number of args calling Redis command from script"
          : "ERR Unknown Redis command called from script",
      };
    }
    if (readOnly && found.spec.write) return { error: "ERR Write commands are not allowed from read-only scripts." };
    return this.runSpec(found.spec, argv, now, writes);
  }

  private runSpec(spec: CommandSpec, argv: string[], now: number, writes: string[][]): Outcome {
    const ctx: Ctx = {
      db: this.db,
      now,
      unchanged: false,
      scripts: this.scripts,
      call: (command, readOnly) => this.callFromScript(command, readOnly, now, writes),
    };
    this.db.now = now;
    let outcome: Outcome;
    try {
      outcome = run(spec, ctx, argv);
    } catch (error) {
      // A bug, not a Redis error. It may have changed state halfway, so the
      // command is still logged: replay repeats the same half-change.
      if (spec.write) writes.push(argv);
      return { error: `ERR engine internal error: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (spec.write && "result" in outcome && !ctx.unchanged) writes.push(argv);
    return outcome;
  }

  execute(argv: string[], now: number): Executed {
    const writes: string[][] = [];
    return { outcome: this.runOne(argv, now, writes), writes };
  }

  /**
   * MULTI … EXEC: a command Redis would refuse while queueing (unknown,
   * wrong arity) discards the whole transaction; otherwise all run, in
   * order, with one clock value, and run-time errors stay inline. The
   * EXECABORT names the first refusal, as the bridge's Redis backend
   * reports it, so `/multi-exec` answers alike over either store.
   */
  transaction(commands: string[][], now: number): { results: Outcome[]; writes: string[][] } | { error: string } {
    for (const argv of commands) {
      const found = lookup(argv);
      if ("error" in found) return { error: `${EXECABORT} ${found.error}` };
    }
    const writes: string[][] = [];
    return { results: commands.map((argv) => this.runOne(argv, now, writes)), writes };
  }

  /** Re-applies logged writes; outcomes were already seen when they first ran. */
  replay(commands: string[][], now: number): void {
    const ignored: string[][] = [];
    for (const argv of commands) this.runOne(argv, now, ignored);
  }
}
