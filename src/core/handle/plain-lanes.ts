/**
 * The lanes of a batch whose attempts are never extended (no `maxHandlerMs`):
 * each lane awaits its handler's promise itself, and one timer for the batch
 * gives up on the lanes whose attempt overran. Workers bill CPU per message,
 * and racing every attempt against its deadline (a promise of its own, two
 * closures and a `then` per message: deadlines.ts `race`) was the largest
 * part of the engine's own cost per message in workerd's profile, after the
 * clock read each attempt needs.
 *
 * A lane notes its attempt's deadline when it starts it (`ms` after now). The
 * timer is armed for the earliest deadline known when it is armed; attempts
 * start in order, so no later one is due sooner. When it fires, every lane
 * whose attempt is due is given up: the attempt counts as timed out (its
 * signal fires, its effects are sealed and never committed), and a fresh lane
 * takes the lane's place for the messages left. The lane given up ends when
 * its handler does, whenever that is, without touching the batch again. Then
 * the timer is armed again for the lanes still running, if any. A batch of
 * quick handlers arms it once and clears it once.
 *
 * Between two attempts of a lane nothing can fire: the lane's code from one
 * handler's reply to the next handler's call runs in one microtask, and
 * timers run only after microtasks. So a lane's noted deadline is always its
 * current attempt's.
 */
import type { BatchOptions, Outcome } from "./attempt-context.js";
import { AttemptContext, batchReader, failure, overran } from "./attempt-context.js";
import type { Clock } from "./deadlines.js";
import { realClock } from "./deadlines.js";
import type { Message } from "../define/define.js";

/** Stands for the timer while it fires. */
const FIRING = Symbol("firing");

interface Lane {
  /** The message of its current attempt, its context and its deadline. */
  index: number;
  ctx: AttemptContext | undefined;
  due: number;
  givenUp: boolean;
}

export function plainLanes(messages: readonly Message[], o: BatchOptions, clock: Clock = realClock): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(messages.length);
  const read = batchReader(o);
  // Read once, not per message: options objects differ in shape between functions, and a property read that has seen many shapes is slow.
  const { fn, maxDeliveries, handlerTimeoutMs: ms } = o;
  const running = new Set<Lane>();
  let next = 0;
  let timer: unknown;
  let armedFor = 0;
  let settle!: (outcomes: Outcome[]) => void;
  let reject!: (error: unknown) => void;
  const batch = new Promise<Outcome[]>((resolve, rejected) => {
    settle = resolve;
    reject = rejected;
  });
  // The lanes' own code threw: the batch fails, and nothing more is started or given up for it.
  const fail = (error: unknown) => {
    next = messages.length;
    if (timer !== undefined && timer !== FIRING) clock.clearTimeout(timer);
    timer = FIRING;
    reject(error);
  };

  const arm = (at: number) => {
    armedFor = at;
    timer = clock.setTimeout(fire, Math.max(0, at - clock.now()));
  };

  const end = (lane: Lane) => {
    running.delete(lane);
    if (running.size > 0) return;
    if (timer !== undefined && timer !== FIRING) clock.clearTimeout(timer);
    timer = undefined;
    settle(outcomes);
  };

  async function run(lane: Lane): Promise<void> {
    while (next < messages.length) {
      const index = next++;
      const message = messages[index]!;
      const ctx = new AttemptContext(o, read, message.attempt >= maxDeliveries);
      lane.index = index;
      lane.ctx = ctx;
      lane.due = clock.now() + ms;
      if (timer === undefined) arm(lane.due);
      let outcome: Outcome;
      try {
        await fn.handle!(message, ctx);
        if (lane.givenUp) return;
        ctx.end();
        outcome = { message, ok: true, effects: ctx.written };
      } catch (error) {
        if (lane.givenUp) return;
        ctx.end();
        ctx.abort(error);
        outcome = failure(message, error);
      }
      outcomes[index] = outcome;
    }
    end(lane);
  }

  const start = () => {
    const lane: Lane = { index: -1, ctx: undefined, due: 0, givenUp: false };
    running.add(lane);
    run(lane).catch(fail);
  };

  function fire(): void {
    // When it fires, the deadline it was armed for has come, even if the clock reads a little less.
    const now = Math.max(clock.now(), armedFor);
    // Held while lanes are given up, so that the lanes started in their place do not arm it for their own, later, deadlines.
    timer = FIRING;
    for (const lane of [...running]) {
      if (lane.due > now) continue;
      lane.givenUp = true;
      lane.ctx!.end();
      outcomes[lane.index] = overran(lane.ctx!, messages[lane.index]!, ms);
      if (next < messages.length) start();
      end(lane);
    }
    if (timer !== FIRING) return; // The batch is over: `end` cleared it.
    timer = undefined;
    let soonest = Infinity;
    for (const lane of running) soonest = Math.min(soonest, lane.due);
    if (soonest < Infinity) arm(soonest);
  }

  const lanes = Math.min(o.concurrency, messages.length);
  if (lanes === 0) return Promise.resolve(outcomes);
  for (let i = 0; i < lanes; i++) start();
  return batch;
}
