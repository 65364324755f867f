/**
 * Visibility extension (`maxHandlerMs`): while a batch is handled, its
 * messages stay pending under this run's consumer, out of recovery's reach,
 * however long past `visibilityTimeoutMs` the batch runs (up to
 * `maxHandlerMs` an attempt, and never past the run's own end).
 *
 * One timer per batch. Every `visibilityTimeoutMs × HEARTBEAT_FRACTION` after
 * the batch was fetched (or last extended), while the batch is not over, one
 * request sends one `XCLAIM <stream> <group> <consumer> <min-idle> <ids…>
 * JUSTID` for every message of the batch still ours: the owner's claim
 * resets each entry's idle time, and JUSTID charges no delivery. A batch that
 * ends sooner sends nothing. No request of the run's is in flight while its
 * handlers run (the commit rides with the next fetch, after the batch), so
 * the claim rides on a handler's `ctx.read` when one goes out in the last
 * half of the interval (`carry`), and otherwise goes on its own, counted
 * against the subrequest budget; when the budget refuses it, the batch's
 * messages are given up as lost (below): nothing of theirs is committed,
 * and they come back after the timeout.
 *
 * Fenced by the min-idle-time, not by a script: one command, no EVAL (which
 * Upstash bills per inner call, and locks globally unless its first line
 * carries a flag real Redis 7 refuses; FIELD-NOTES), and it holds where an
 * owner check would not (runs share the pool's consumer names, so "still
 * owned by our consumer" does not say "still ours"). The last claim's reply
 * came back at `claimedAt`, after Redis had run it, so an entry nobody took
 * is idle for at least `now − claimedAt`: asking that much (less a little
 * slack) never fences out our own entry. Recovery takes an entry only once it
 * is idle for `visibilityTimeoutMs`, at least that long after our last claim,
 * and its claim resets the idle time: after that, the entry is idle for less
 * than `now − claimedAt − visibilityTimeoutMs`, so XCLAIM leaves it alone
 * while a round trip takes less than the timeout less the slack. An entry
 * another run settled is not pending at all. Either way the reply lacks its
 * id: the message is lost to this run. Its attempt is aborted at once and
 * its outcome is `lost` (commit.ts commits nothing for it: no effects, no
 * XACK, no retry), so the run that holds it now is the only one that settles it.
 *
 * What the fence does not see: an entry another run reclaimed and then
 * rescheduled (a retry or a put-back sets its idle time with XCLAIM IDLE)
 * may look idle enough to take back. Both leave it unhandled by anyone until
 * it is due, so taking it back hands it to the attempt still running here.
 *
 * A batch of a function with lanes (lanes.ts) spans several streams, whose
 * ids may coincide: entries are tracked by stream and id, and an extension
 * is one XCLAIM per stream the batch still holds, all in one request.
 */
import type { Target } from "../define/target.js";
import { HEARTBEAT_FRACTION, VISIBILITY_MARGIN_MS } from "../define/visibility-limits.js";
import { xclaimJustId } from "../redis/commands.js";
import { sendPipeline } from "../redis/ops.js";
import type { Command, Outcome, Reply, Transport } from "../redis/transport.js";
import { isError } from "../redis/transport.js";
import type { SubrequestBudget } from "./budget.js";
import type { Clock } from "./deadlines.js";
import { realClock } from "./deadlines.js";

/** Taken off the fence's min-idle-time: Redis rounds idle times to the millisecond, and clocks are read between awaits. */
export const FENCE_SLACK_MS = 50;

export class VisibilityLostError extends Error {
  constructor(id: string, why: string) {
    super(`message ${id} is no longer this run's (${why}); its attempt was stopped and nothing of it is committed`);
    this.name = "VisibilityLostError";
  }
}

export interface VisibilityOptions {
  transport: Transport;
  budget: SubrequestBudget;
  /** Subrequests that must stay free after the batch: its commit, and work after the loop. */
  reservedSubrequests: number;
  target: Target;
  visibilityTimeoutMs: number;
  maxHandlerMs: number;
  /** The run's end (`startedAt + maxRunMs`): no attempt is granted time past it. */
  runEndsAt: number;
  clock?: Clock;
}

/** A pending entry by stream and id (fetched.ts `EntryRef`). */
export interface Held {
  id: string;
  stream: string;
}

const keyOf = (e: Held): string => `${e.stream}\n${e.id}`;

export class Visibility {
  readonly #o: VisibilityOptions;
  readonly #clock: Clock;
  #ids: Held[];
  readonly #lost = new Map<string, string>();
  readonly #watchers = new Map<string, (error: VisibilityLostError) => void>();
  #claimedAt: number;
  #timer: unknown;
  #inFlight: Promise<void> | undefined;
  #closed = false;

  /** `fetchedAt`: read after the request that delivered `ids` came back. */
  constructor(o: VisibilityOptions, ids: readonly Held[], fetchedAt: number) {
    this.#o = o;
    this.#clock = o.clock ?? realClock;
    this.#ids = [...ids];
    this.#claimedAt = fetchedAt;
    if (this.#ids.length > 0) this.#arm();
  }

  get maxHandlerMs(): number {
    return this.#o.maxHandlerMs;
  }

  get intervalMs(): number {
    return this.#o.visibilityTimeoutMs * HEARTBEAT_FRACTION;
  }

  /** The deadline an attempt that started at `startedAt` may have if it asks for `ms` more from now (a batch handler's cap is its rounds' `maxHandlerMs`). */
  grant(startedAt: number, ms: number, capMs = this.#o.maxHandlerMs): number {
    return Math.min(this.#clock.now() + ms, startedAt + capMs, this.#o.runEndsAt);
  }

  now(): number {
    return this.#clock.now();
  }

  /** Calls `onLost` if `id` is lost while its attempt runs (at once, if it already is); returns the way to stop watching. */
  watch(e: Held, onLost: (error: VisibilityLostError) => void): () => void {
    const why = this.#lost.get(keyOf(e));
    if (why !== undefined) onLost(new VisibilityLostError(e.id, why));
    else this.#watchers.set(keyOf(e), onLost);
    return () => this.#watchers.delete(keyOf(e));
  }

  lost(e: Held): boolean {
    return this.#lost.has(keyOf(e));
  }

  /** Why `e` was lost, if it was. */
  lostBecause(e: Held): string | undefined {
    return this.#lost.get(keyOf(e));
  }

  /** The batch is over: no more extensions, and one in flight is waited for, so its verdict is known before the commit is built. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  /**
   * An extension for a request the batch sends anyway (a handler's `ctx.read`), when one is due within half an
   * interval: it then costs a command there instead of a request of its own. The caller sends `command` in the
   * same pipeline and hands back its outcome (undefined when the request failed).
   */
  carry(): { commands: Command[]; settle(outcomes: readonly Outcome[] | undefined): void } | undefined {
    if (this.#closed || this.#inFlight || this.#ids.length === 0) return undefined;
    if (this.#clock.now() < this.#claimedAt + this.intervalMs / 2) return undefined;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const claim = this.#claim();
    let done!: () => void;
    this.#inFlight = new Promise<void>((resolve) => (done = resolve));
    return {
      commands: claim.map((c) => c.command),
      settle: (outcomes) => {
        this.#inFlight = undefined;
        const kept = outcomes && outcomes.length === claim.length && outcomes.every((x) => !isError(x)) ? parsed(() => claim.map((c, i) => c.parse((outcomes[i] as { result: Reply }).result))) : undefined;
        if (kept) this.#kept(kept);
        else if (!this.#closed) this.#arm(this.intervalMs / 4);
        done();
      },
    };
  }

  #arm(atLeastMs = 0): void {
    const wait = Math.max(atLeastMs, this.#claimedAt + this.intervalMs - this.#clock.now());
    // No extension after the run's end and its margin: an ordered run's lease (maxRunMs + timeout + margin)
    // then still covers the last one, and no other batch runs that late (attempts end by the run's end).
    if (this.#clock.now() + wait > this.#o.runEndsAt + VISIBILITY_MARGIN_MS) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#inFlight = this.#beat().finally(() => (this.#inFlight = undefined));
    }, wait);
  }

  /** The fenced claim of every message still ours, one XCLAIM per stream: asks for the idle time since the last claim came back. */
  #claim() {
    const { group, consumer } = this.#o.target;
    const minIdleMs = Math.max(0, this.#clock.now() - this.#claimedAt - FENCE_SLACK_MS);
    return this.#streams().map((stream) => xclaimJustId(stream, group, consumer, minIdleMs, this.#ids.filter((e) => e.stream === stream).map((e) => e.id)));
  }

  #streams(): string[] {
    return [...new Set(this.#ids.map((e) => e.stream))];
  }

  async #beat(): Promise<void> {
    if (this.#closed || this.#ids.length === 0) return;
    try {
      this.#o.budget.ensureRoom(this.#o.reservedSubrequests);
    } catch {
      this.#lose(this.#ids, "the subrequest budget could not pay for extending its visibility");
      return;
    }
    let kept: string[][];
    try {
      kept = await sendPipeline(this.#o.transport, this.#claim());
    } catch {
      // Unknown whether it landed: `claimedAt` stays at the last claim known to have, so the next one asks for
      // the idle time since then. If this one did land, that asks too much, and the batch is given up: safe, only costly.
      if (!this.#closed) this.#arm(this.intervalMs / 4);
      return;
    }
    this.#kept(kept);
  }

  /** A claim came back (one reply per stream, in `#claim`'s order): what it did not keep is lost. */
  #kept(kept: readonly (readonly string[])[]): void {
    this.#claimedAt = this.#clock.now();
    const still = new Set(this.#streams().flatMap((stream, i) => (kept[i] ?? []).map((id) => keyOf({ id, stream }))));
    this.#lose(
      this.#ids.filter((e) => !still.has(keyOf(e))),
      "recovered by another run after the visibility timeout, or settled by one",
    );
    if (!this.#closed && this.#ids.length > 0) this.#arm();
  }

  #lose(entries: readonly Held[], why: string): void {
    if (entries.length === 0) return;
    const gone = new Set(entries.map(keyOf));
    this.#ids = this.#ids.filter((e) => !gone.has(keyOf(e)));
    for (const e of entries) {
      const key = keyOf(e);
      this.#lost.set(key, why);
      this.#watchers.get(key)?.(new VisibilityLostError(e.id, why));
      this.#watchers.delete(key);
    }
  }
}

/** A reply of a shape the parser refuses counts as no reply: the claim is tried again. */
function parsed<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}
