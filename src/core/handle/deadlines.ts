/**
 * The handler timeouts of one batch on one timer. Workers bill CPU per
 * message, and a `setTimeout` plus a `clearTimeout` for every handler call
 * was the biggest part of the engine's own cost per message in workerd's
 * profile. Every attempt of a batch has the same timeout and they start in
 * order, so their deadlines come in order: a queue, and one timer armed for
 * the oldest open deadline. It fires every attempt whose deadline has come,
 * then re-arms for the next open one. It is not cleared when no attempt is
 * open (quick handlers would then arm and clear one each), only by `close()`
 * once the batch is over. Each attempt still times out `ms` after it
 * started, as with its own timer.
 *
 * An attempt whose deadline is moved later (`ctx.extendVisibility`) leaves
 * the queue, whose order it would break, for a timer of its own: extending
 * is rare, and costs a timer only for the attempts that do it.
 *
 * Plain attempts (no `maxHandlerMs`: never extended or expired) do not come
 * here: their lanes keep their own deadlines (plain-lanes.ts).
 */
export interface Clock {
  now(): number;
  setTimeout(fire: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fire, ms) => setTimeout(fire, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

interface Entry {
  /** When the queue times it out: fixed, so the queue stays in order. */
  readonly at: number;
  open: boolean;
  /** Once extended: its own deadline and timer; it has left the queue. */
  until?: number;
  timer?: unknown;
  timeout(): void;
}

/** One attempt's race, with ways to move its deadline or end it at once. */
export interface Tracked {
  result: Promise<"done" | "timeout">;
  /** Moves the deadline to `at` (clock time) if that is later; does nothing once the attempt is over. */
  extendTo(at: number): void;
  /** Times the attempt out now (its message was lost: see visibility.ts). */
  expire(): void;
}

export class Deadlines {
  #queue: Entry[] = [];
  #head = 0;
  #timer: unknown;
  /** The deadline the timer was armed for: when it fires, that time has come even if the clock reads a little less. */
  #armedFor = 0;
  readonly #extended = new Set<Entry>();

  constructor(
    readonly ms: number,
    private readonly clock: Clock = realClock,
  ) {}

  track(work: Promise<unknown>): Tracked {
    let entry!: Entry;
    const result = new Promise<"done" | "timeout">((resolve, reject) => {
      entry = { at: this.clock.now() + this.ms, open: true, timeout: () => resolve("timeout") };
      this.#queue.push(entry);
      if (this.#timer === undefined) this.#arm(entry.at);
      work.then(
        () => this.#close(entry) && resolve("done"),
        (error: unknown) => this.#close(entry) && reject(error),
      );
    });
    return { result, extendTo: (at) => this.#extend(entry, at), expire: () => this.#expire(entry) };
  }

  /** The batch is over: no timer is left behind. Attempts still open are no longer timed. */
  close(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    for (const entry of this.#extended) this.clock.clearTimeout(entry.timer);
    this.#extended.clear();
    this.#timer = undefined;
    this.#queue = [];
    this.#head = 0;
  }

  #extend(entry: Entry, at: number): void {
    if (!entry.open || at <= (entry.until ?? entry.at)) return;
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    entry.until = at;
    entry.timer = this.clock.setTimeout(() => this.#expire(entry), Math.max(0, at - this.clock.now()));
    this.#extended.add(entry);
    this.#dropClosed();
  }

  #expire(entry: Entry): void {
    if (this.#close(entry)) entry.timeout();
  }

  /** Closes `entry` if it is still open (false if its deadline already fired). */
  #close(entry: Entry): boolean {
    if (!entry.open) return false;
    entry.open = false;
    if (entry.timer !== undefined) {
      this.clock.clearTimeout(entry.timer);
      this.#extended.delete(entry);
    }
    this.#dropClosed();
    return true;
  }

  /** An entry is in the queue while it is open and not extended. */
  #queued = (entry: Entry): boolean => entry.open && entry.until === undefined;

  #dropClosed(): void {
    while (this.#head < this.#queue.length && !this.#queued(this.#queue[this.#head]!)) this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  #arm(at: number): void {
    this.#armedFor = at;
    this.#timer = this.clock.setTimeout(() => this.#fire(), Math.max(0, at - this.clock.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = Math.max(this.clock.now(), this.#armedFor);
    for (let i = this.#head; i < this.#queue.length && this.#queue[i]!.at <= now; i++) {
      const entry = this.#queue[i]!;
      if (!this.#queued(entry)) continue;
      entry.open = false;
      entry.timeout();
    }
    this.#dropClosed();
    if (this.#head < this.#queue.length) this.#arm(this.#queue[this.#head]!.at);
  }
}
