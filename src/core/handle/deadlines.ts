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
 */
export interface Clock {
  now(): number;
  setTimeout(fire: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fire, ms) => setTimeout(fire, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

interface Entry {
  at: number;
  open: boolean;
  timeout(): void;
}

export class Deadlines {
  #queue: Entry[] = [];
  #head = 0;
  #timer: unknown;
  /** The deadline the timer was armed for: when it fires, that time has come even if the clock reads a little less. */
  #armedFor = 0;

  constructor(
    readonly ms: number,
    private readonly clock: Clock = realClock,
  ) {}

  /** Resolves "timeout" `ms` after now unless `work` settles first; rejects as `work` does. */
  race(work: Promise<unknown>): Promise<"done" | "timeout"> {
    return new Promise((resolve, reject) => {
      const entry: Entry = { at: this.clock.now() + this.ms, open: true, timeout: () => resolve("timeout") };
      this.#queue.push(entry);
      if (this.#timer === undefined) this.#arm(entry.at);
      work.then(
        () => this.#close(entry) && resolve("done"),
        (error: unknown) => this.#close(entry) && reject(error),
      );
    });
  }

  /** The batch is over: no timer is left behind. Attempts still open are no longer timed. */
  close(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#head = 0;
  }

  /** Closes `entry` if it is still open (false if its deadline already fired). */
  #close(entry: Entry): boolean {
    if (!entry.open) return false;
    entry.open = false;
    this.#dropClosed();
    return true;
  }

  #dropClosed(): void {
    while (this.#head < this.#queue.length && !this.#queue[this.#head]!.open) this.#head++;
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
      if (!entry.open) continue;
      entry.open = false;
      entry.timeout();
    }
    this.#dropClosed();
    if (this.#head < this.#queue.length) this.#arm(this.#queue[this.#head]!.at);
  }
}
