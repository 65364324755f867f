/**
 * The in-memory engine: a keyspace and the command table, no I/O. Every call
 * takes the clock value to use, so the same calls with the same clock values
 * always produce the same state; persistence relies on that to replay.
 */
import type { Ctx } from "./command.js";
import { lookup, run, type Outcome } from "./dispatch.js";
import { EXECABORT } from "./errors.js";
import { Keyspace } from "./keyspace.js";

export type { Outcome };

export interface Executed {
  outcome: Outcome;
  /** The write commands that ran and may have changed state, in order: what the log needs. */
  writes: string[][];
}

export class Engine {
  readonly db = new Keyspace();

  private runOne(argv: string[], now: number, writes: string[][]): Outcome {
    const found = lookup(argv);
    if ("error" in found) return found;
    const ctx: Ctx = { db: this.db, now, unchanged: false };
    this.db.now = now;
    let outcome: Outcome;
    try {
      outcome = run(found.spec, ctx, argv);
    } catch (error) {
      // A bug, not a Redis error. It may have changed state halfway, so the
      // command is still logged: replay repeats the same half-change.
      if (found.spec.write) writes.push(argv);
      return { error: `ERR engine internal error: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (found.spec.write && "result" in outcome && !ctx.unchanged) writes.push(argv);
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
