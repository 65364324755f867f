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
 */
import { estimateCpuUs } from "../define/cpu-estimate.js";

export interface Spent {
  subrequests: number;
  messages: number;
}

export interface Allowance {
  maxSubrequests: number;
  maxCpuMs: number;
}

export interface Seat {
  /** What this run may use in all, counting what it has used. */
  allowance(): Allowance;
  /** The run is over: what it spent stays spent. */
  leave(): void;
}

export class InvocationShare {
  readonly #live = new Set<() => Spent>();
  #spentSubrequests = 0;
  #spentCpuUs = 0;

  constructor(
    readonly subrequests: number,
    readonly cpuMs: number,
  ) {}

  join(spent: () => Spent): Seat {
    this.#live.add(spent);
    return {
      allowance: () => this.#allowance(spent),
      leave: () => {
        if (!this.#live.delete(spent)) return;
        const s = spent();
        this.#spentSubrequests += s.subrequests;
        this.#spentCpuUs += cpuOf(s);
      },
    };
  }

  #allowance(own: () => Spent): Allowance {
    let subrequests = this.#spentSubrequests;
    let cpuUs = this.#spentCpuUs;
    for (const spent of this.#live) {
      const s = spent();
      subrequests += s.subrequests;
      cpuUs += cpuOf(s);
    }
    const mine = own();
    const runs = Math.max(1, this.#live.size);
    return {
      maxSubrequests: mine.subrequests + Math.max(0, Math.floor((this.subrequests - subrequests) / runs)),
      maxCpuMs: (cpuOf(mine) + Math.max(0, (this.cpuMs * 1_000 - cpuUs) / runs)) / 1_000,
    };
  }
}

const cpuOf = (s: Spent): number => estimateCpuUs(s.subrequests, s.messages);
