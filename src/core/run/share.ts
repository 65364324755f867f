/**
 * One invocation's budgets shared by need. The functions a cron tick runs
 * side by side draw on one pool of subrequests and one of CPU (the Free
 * plan's 50 and 10 ms), instead of an even split fixed at the start: a run
 * may use what it has used plus an even part of what nobody has used yet,
 * split among the runs still going. An idle function's run spends its one
 * request and ends, so what it did not use goes to the functions whose
 * first read came back full. What a finished run spent stays spent.
 *
 * Never more than the pool: every run takes at most its part of what is
 * free when it plans, and the parts of the runs still going add up to what
 * is free.
 *
 * Every run gets its first batch: the invocation admits its runs only when
 * the pool holds one batch of each (scheduled.ts), and reserves that least
 * for each run up front. A run not joined yet has its least set aside, and a
 * run that joined holds it until it plans its first read of a batch (a first
 * request that only checks gates reads nothing); from then on it holds what
 * it spent, as before (an idle run's empty read must not keep the pool from
 * the busy ones). Without the reserve, the runs started first
 * had each spent a request before the last one joined, and the last one's
 * even part of what was left never held one batch: with four functions on a
 * Free cron, the fourth read nothing, every tick (found by the
 * merged-request property tests).
 */
import { estimateCpuUs } from "../define/cpu-estimate.js";

export interface Spent {
  subrequests: number;
  messages: number;
}

/** What one run needs for one batch (options.ts `leastRequests`, `leastCpuUs`), or what all of an invocation's need together. */
export interface Need {
  subrequests: number;
  cpuUs: number;
}

const NOTHING: Need = { subrequests: 0, cpuUs: 0 };

export interface Allowance {
  maxSubrequests: number;
  maxCpuMs: number;
}

export interface Seat {
  /** What this run may use in all, counting what it has used. */
  allowance(): Allowance;
  /** A batch was planned to be read: the least reserved for this run's first batch is now its own spending's to cover. */
  planned(): void;
  /** Settles when another run leaves (true), or at once when no other run is live (false). */
  othersLeave(): Promise<boolean>;
  /** The run is over: what it spent stays spent. */
  leave(): void;
}

export class InvocationShare {
  /** Each live run's spending, and the least it was promised. */
  readonly #live = new Map<() => Spent, Need>();
  #spentSubrequests = 0;
  #spentCpuUs = 0;
  /** Runs waiting for another to leave (steps/share-wait.ts). */
  readonly #waiting = new Map<() => Spent, (left: boolean) => void>();
  /** Set aside for the runs that have not joined yet. */
  readonly #unjoined: Need;

  /** `reserved`: what the runs this invocation will make need for one batch each, together; nothing by default. */
  constructor(
    readonly subrequests: number,
    readonly cpuMs: number,
    reserved: Need = NOTHING,
  ) {
    this.#unjoined = { ...reserved };
  }

  /** `least`: what this run needs for one batch; it gets that much of the reserve while some is left. */
  join(spent: () => Spent, least: Need = NOTHING): Seat {
    const promised = { subrequests: Math.min(least.subrequests, this.#unjoined.subrequests), cpuUs: Math.min(least.cpuUs, this.#unjoined.cpuUs) };
    this.#unjoined.subrequests -= promised.subrequests;
    this.#unjoined.cpuUs -= promised.cpuUs;
    this.#live.set(spent, promised);
    return {
      allowance: () => this.#allowance(spent),
      planned: () => {
        if (this.#live.has(spent)) this.#live.set(spent, NOTHING);
      },
      // Only while some other run is still going: runs that all wait for each other would wait forever.
      othersLeave: () => (this.#live.size - this.#waiting.size > 1 ? new Promise<boolean>((resolve) => this.#waiting.set(spent, resolve)) : Promise.resolve(false)),
      leave: () => {
        if (!this.#live.delete(spent)) return;
        const woken = [...this.#waiting.values()];
        this.#waiting.clear();
        for (const wake of woken) wake(true);
        // What it spent stays spent; what it was promised and did not use is free again.
        const s = spent();
        this.#spentSubrequests += s.subrequests;
        this.#spentCpuUs += cpuOf(s);
      },
    };
  }

  #allowance(own: () => Spent): Allowance {
    let subrequests = this.#spentSubrequests + this.#unjoined.subrequests;
    let cpuUs = this.#spentCpuUs + this.#unjoined.cpuUs;
    let mine = NOTHING;
    for (const [spent, promised] of this.#live) {
      const held = holding(spent(), promised);
      subrequests += held.subrequests;
      cpuUs += held.cpuUs;
      if (spent === own) mine = held;
    }
    const runs = Math.max(1, this.#live.size);
    return {
      maxSubrequests: mine.subrequests + Math.max(0, Math.floor((this.subrequests - subrequests) / runs)),
      maxCpuMs: (mine.cpuUs + Math.max(0, (this.cpuMs * 1_000 - cpuUs) / runs)) / 1_000,
    };
  }
}

/** A live run holds what it spent, or what it was promised while it has spent less and planned no read yet. */
const holding = (s: Spent, promised: Need): Need => ({ subrequests: Math.max(s.subrequests, promised.subrequests), cpuUs: Math.max(cpuOf(s), promised.cpuUs) });

const cpuOf = (s: Spent): number => estimateCpuUs(s.subrequests, s.messages);
