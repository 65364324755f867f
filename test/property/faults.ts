/**
 * Faults a run meets that the bridge cannot make: the run killed at one of
 * its awaits. At request `at` the transport either stops forever (the
 * Worker was evicted mid-run: nothing after that await ever happens) or
 * throws a plain error (the run crashed there). The bridge makes the others
 * (store.ts): an answer dropped before Redis ran the request or after, and
 * a 503. A "late" request waits while the clock moves on (`delay`), then goes.
 *
 * A `Gate` puts each request of overlapping runs through fast-check's
 * scheduler, which decides the order in which they reach Redis.
 */
import type { Command, Outcome, Transport } from "../../src/core/redis/transport.js";
import type { Fault } from "./generators.js";

/** Holds a request until the scheduler lets it go. */
export type Gate = <T>(label: string, send: () => Promise<T>) => Promise<T>;

export interface RunFaults {
  transport: Transport;
  /** Settles when the run was stopped forever: its promise will never settle, so wait for this instead. */
  killed: Promise<void>;
  /** The faults that really struck (a fault past the run's last request never does). */
  readonly fired: string[];
  /** Requests the run sent, or tried to. */
  readonly requests: number;
  close(): Promise<void>;
}

export class KilledRunError extends Error {
  constructor(at: number) {
    super(`the run was killed at its request ${at}`);
    this.name = "KilledRunError";
  }
}

export interface KillOptions {
  gate?: Gate;
  /** Moves the clock on while a "late" request is on its way. */
  delay?: () => Promise<void>;
  /** Where the faults that struck are written. */
  fired: string[];
  close(): Promise<void>;
}

export function killingTransport(inner: Transport, faults: readonly Fault[], { gate, delay, fired, close }: KillOptions): RunFaults {
  let requests = 0;
  let evicted = false;
  let markKilled!: () => void;
  const killed = new Promise<void>((resolve) => (markKilled = resolve));
  const kill = faults.find((f) => f.kind === "hang" || f.kind === "throw");
  function send(kind: "pipeline" | "transaction", commands: readonly Command[]): Promise<Outcome[]> {
    const at = requests++;
    // An evicted Worker sends nothing more: with several runs on one transport (an invocation), the others stop too.
    if (evicted) return new Promise(() => {});
    if (kill?.at === at && kill.kind === "hang") {
      fired.push("hang");
      evicted = true;
      markKilled();
      return new Promise(() => {});
    }
    if (kill?.at === at && kill.kind === "throw") fired.push("throw");
    if (kill?.at === at && kill.kind === "throw") return Promise.reject(new KilledRunError(at));
    const late = faults.find((f) => f.kind === "late" && f.at === at);
    if (late) fired.push("late");
    const go = async () => {
      if (late && delay) await delay();
      return inner[kind](commands);
    };
    return gate ? gate(`${kind}:${commands.map((c) => c[0]).join(",")}`, go) : go();
  }
  return {
    transport: {
      pipeline: (commands) => send("pipeline", commands),
      transaction: (commands) => send("transaction", commands),
    },
    killed,
    fired,
    get requests() {
      return requests;
    },
    close,
  };
}
