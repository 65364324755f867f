/** A hand-driven clock for the timeout tests, and helpers to look at a promise without waiting for it. */
import type { Clock } from "../../../src/core/handle/deadlines.js";

/** A hand-driven clock: timers fire only when `advance` passes their time. */
export function fakeClock() {
  let now = 0;
  let armed = 0;
  const timers = new Map<number, { at: number; fire(): void }>();
  let nextId = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout(fire, ms) {
      armed++;
      const id = nextId++;
      timers.set(id, { at: now + ms, fire });
      return id;
    },
    clearTimeout: (id) => void timers.delete(id as number),
  };
  return {
    clock,
    armed: () => armed,
    pending: () => timers.size,
    async advance(to: number) {
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fire();
        await Promise.resolve();
      }
      now = to;
      await Promise.resolve();
    },
  };
}

export const never = () => new Promise<void>(() => {});
export const settled = async <T>(p: Promise<T>) => {
  let out: T | "pending" = "pending";
  void p.then((v) => (out = v));
  await new Promise((r) => setImmediate(r));
  return out;
};

