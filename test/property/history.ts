/**
 * What the handlers saw, in the order they saw it: every call with its
 * group, message number, key, attempt and clock times. The invariants read
 * it next to what Redis holds; `mostAtOnce` is measured while the calls run,
 * since "at most `max` per key at once" is about overlap, not about counts.
 */
import type { Delivered } from "../../src/core/define/define.js";

export interface Call {
  seq: number;
  group: string;
  stream: string;
  /** The stream entry it was handed over from: its place in the stream's order. */
  id: string;
  n: number;
  key: string | undefined;
  attempt: number;
  start: number;
  end: number;
  verdict?: string;
  /** Redis's delivery count of the entry as the handler held it, plus deliveries carried over by a parked retry. */
  deliveries?: number;
}

export class History {
  readonly calls: Call[] = [];
  #running = new Map<string, number>();
  /** The most calls of one group and key that ran at once, over the whole case. */
  mostAtOnce = 0;

  /** `clock.handling` counts the calls running, so a sleeper lets them finish first (store.ts `Clock.sleep`). */
  constructor(private readonly clock: { now(): number; handling: number }) {}

  begin(group: string, m: Delivered): Call {
    const call: Call = { seq: this.calls.length, group, stream: m.stream, id: m.id, n: Number(m.fields.n), key: m.fields.k, attempt: m.attempt, start: this.clock.now(), end: Number.NaN };
    this.calls.push(call);
    this.clock.handling += 1;
    if (call.key !== undefined) {
      const slot = `${group}\u0000${call.key}`;
      const running = (this.#running.get(slot) ?? 0) + 1;
      this.#running.set(slot, running);
      this.mostAtOnce = Math.max(this.mostAtOnce, running);
    }
    return call;
  }

  /** Once: a call its invocation's eviction ended (eviction.ts) stays ended when its handler returns. */
  end(call: Call): void {
    if (!Number.isNaN(call.end)) return;
    call.end = this.clock.now();
    this.clock.handling -= 1;
    if (call.key !== undefined) {
      const slot = `${call.group}\u0000${call.key}`;
      this.#running.set(slot, this.#running.get(slot)! - 1);
    }
  }
}
