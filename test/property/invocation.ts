/**
 * Merged mode: the functions of several cases (parts, each with its own
 * stream, groups and options) run as one invocation does in production,
 * side by side through ONE coalescing transport (coalescing-transport.ts)
 * over the faulty one, sharing the invocation's budgets by need when their
 * options let them (scheduled.ts `sharedByNeed`). Their concurrent requests
 * merge, so a fault strikes a merged request: by its index among the
 * requests that really went out, below the coalescer.
 *
 * Each part keeps its own model, history and invariants; what a merged
 * request did to one part must look, from that part, like a fault of its own.
 * Counting calls above the coalescer and requests below it shows the merging
 * happened, so a case cannot pass vacuously.
 */
import { coalescingTransport, rodeAlong } from "../../src/core/redis/coalescing-transport.js";
import { commandsBytes } from "../../src/core/redis/request-bytes.js";
import type { Command, Outcome, Transport } from "../../src/core/redis/transport.js";
import type { RunDeps } from "../../src/core/run/deps.js";
import { sharedByNeed } from "../../src/functions/scheduled.js";
import type { Case } from "./case.js";
import { QUIET_STEP_MS, settled } from "./case.js";
import { asInvocation } from "./eviction.js";
import type { Gate } from "./faults.js";
import type { Fault } from "./generators.js";
import { LATE_MS, RATE_PERIOD_MS } from "./generators.js";
import type { Store } from "./store.js";

/** One invocation: every function of every part, one slot, the faults of its merged requests. */
export interface InvocationSpec {
  slot: number;
  faults: Fault[];
}

export interface Merging {
  /** Transport calls the runs made (above the coalescer). */
  calls: number;
  /** Requests that went out (below it, at the faulty transport), and the commands they carried. */
  requests: number;
  commands: number;
  /** Calls answered by a merged request another call opened. */
  riders: number;
  /**
   * Calls that began in one macrotask right after another of their kind while
   * the two fit within the cap together: the coalescer had to merge them. Under a small
   * cap a part whose every request is a script body larger than the cap (an
   * ordered function's lease and fence) has none, and rightly goes alone.
   */
  mergeable: number;
}

const MAX_QUIET_ROUNDS = 24;

export class MergedCase {
  readonly merging: Merging = { calls: 0, requests: 0, commands: 0, riders: 0, mergeable: 0 };
  /** The size of the last call of each kind begun since the coalescer's last flush: the same setTimeout 0 turn it batches on. */
  #turn: { pipeline?: number; transaction?: number } | undefined;
  readonly fired: string[] = [];

  constructor(
    readonly store: Store,
    /** The prefix of every part's id: one SCAN pattern finds every key of the case. */
    readonly id: string,
    readonly parts: Case[],
    /** The coalescer's cap; small ones split an invocation's requests. */
    readonly maxRequestBytes: number,
  ) {}

  get streams(): [string, string][] {
    return this.parts.flatMap((p) => p.streams);
  }

  get pattern(): string {
    return `*pbt-${this.id}*`;
  }

  /** Every function of the invocation, partition members included: a cron tick runs them all. */
  get functions() {
    return this.parts.flatMap((p) => p.fns.flat());
  }

  async invoke(spec: InvocationSpec, gate?: Gate): Promise<void> {
    const faults = await this.store.faulty(spec.faults, { gate, delay: () => this.store.advance(LATE_MS, this.streams, this.pattern) });
    if (spec.faults.length > 0) for (const p of this.parts) p.faulted += 1;
    const transport = this.#counted(coalescingTransport(this.#sent(faults.transport), { maxRequestBytes: this.maxRequestBytes }));
    const functions = this.functions;
    // As runScheduled shares them: by need when no function sets its own budget, else an even split.
    const share = sharedByNeed(functions, {});
    const budgets = share ? { share, sharers: 1 } : { sharers: functions.length };
    const invocation = asInvocation(() =>
      this.parts.flatMap((part) =>
        part.fns.flat().map((fn) => {
          const deps: RunDeps = { transport, vars: {}, trigger: "cron", slot: spec.slot, now: this.store.clock.now, functions, ...budgets };
          return settled(part.start(fn, deps)).then((outcome) => ({ part, fn, outcome }));
        }),
      ),
    );
    const ended = await Promise.race([Promise.all(invocation.result), faults.killed.then(() => "killed" as const)]);
    if (ended === "killed") invocation.evict();
    await faults.close();
    this.fired.push(...faults.fired);
    if (spec.faults.length > 0 || ended === "killed") return;
    for (const { part, fn, outcome } of ended) part.judge(fn, outcome);
  }

  /** Below the coalescer: what really went out. */
  #sent(inner: Transport): Transport {
    const send = (kind: "pipeline" | "transaction") => (commands: readonly Command[]) => {
      this.merging.requests += 1;
      this.merging.commands += commands.length;
      return inner[kind](commands);
    };
    return { pipeline: send("pipeline"), transaction: send("transaction") };
  }

  /** Above it: what the runs asked for, and which answers rode in another's request. */
  #counted(outer: Transport): Transport {
    const call = (kind: "pipeline" | "transaction") => async (commands: readonly Command[]): Promise<Outcome[]> => {
      this.merging.calls += 1;
      this.#noteTurn(kind, commandsBytes(commands));
      const outcomes = await outer[kind](commands);
      if (rodeAlong(outcomes)) this.merging.riders += 1;
      return outcomes;
    };
    return { pipeline: call("pipeline"), transaction: call("transaction") };
  }

  #noteTurn(kind: "pipeline" | "transaction", bytes: number): void {
    if (!this.#turn) {
      this.#turn = {};
      // Scheduled before the coalescer's own flush of this turn, so it closes the same batch.
      setTimeout(() => (this.#turn = undefined), 0);
    }
    // Two neighbours that fit together always land in one batch of the coalescer's greedy cut; two apart may not.
    const last = this.#turn[kind];
    if (last !== undefined && last + bytes <= this.maxRequestBytes) this.merging.mergeable += 1;
    this.#turn[kind] = bytes;
  }

  /** Every group of every part exists before the first message; the first invocation is an idle tick. */
  async createGroups(): Promise<void> {
    await this.invoke({ slot: 0, faults: [] });
  }

  /** The clock moves on for every part at once; with a rate limit it never stops within 30 s of a window's end. */
  async advance(ms: number): Promise<void> {
    let step = ms;
    if (this.parts.some((p) => p.has("rateLimit"))) {
      const into = (this.store.clock.now() + ms) % RATE_PERIOD_MS;
      if (into > RATE_PERIOD_MS - 30_000) step += RATE_PERIOD_MS - into + 1_000;
    }
    await this.store.advance(step, this.streams, this.pattern);
  }

  /** Faults have stopped: clean invocations, the clock moving on between them, until no part has anything left to do. */
  async quiesce(): Promise<void> {
    const calls = () => this.parts.reduce((n, p) => n + p.history.calls.length, 0);
    let quiet = 0;
    for (let round = 0; round < MAX_QUIET_ROUNDS; round++) {
      const before = calls();
      await this.advance(this.parts.some((p) => p.has("rateLimit")) ? RATE_PERIOD_MS : QUIET_STEP_MS);
      await this.invoke({ slot: round, faults: [] });
      const idle = (await Promise.all(this.parts.map((p) => p.idle()))).every(Boolean);
      // Two rounds in a row, so a window a fault spent (or a lease still held) cannot pass for the end.
      quiet = calls() === before && idle ? quiet + 1 : 0;
      if (quiet === 2) {
        for (const p of this.parts) p.quiescent = true;
        return;
      }
    }
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.cleanup()));
  }
}
