/**
 * One attempt's deadline (or one batch call's) as `ctx.extendVisibility` moves
 * it. The handler may ask before its first await, that is before the race
 * that times it exists (deadlines.ts), so a request is kept until the race is
 * attached, then applied.
 */
import type { Tracked } from "./deadlines.js";
import type { Visibility } from "./visibility.js";

export class Extension {
  readonly #v: Visibility;
  readonly #startedAt: number;
  readonly #capMs: number;
  #tracked: Tracked | undefined;
  #asked: number | undefined;
  /** The attempt's time limit so far, for its timeout error. */
  limitMs: number;

  constructor(v: Visibility, baseMs: number, capMs: number) {
    this.#v = v;
    this.#startedAt = v.now();
    this.#capMs = capMs;
    this.limitMs = baseMs;
  }

  /** Asks for `ms` more from now; answers the ms granted. */
  extend(ms: number): number {
    const until = this.#v.grant(this.#startedAt, ms, this.#capMs);
    if (this.#tracked) this.#tracked.extendTo(until);
    else this.#asked = Math.max(this.#asked ?? 0, until);
    this.limitMs = Math.max(this.limitMs, until - this.#startedAt);
    return Math.max(0, until - this.#v.now());
  }

  attach(tracked: Tracked): void {
    this.#tracked = tracked;
    if (this.#asked !== undefined) tracked.extendTo(this.#asked);
  }
}
