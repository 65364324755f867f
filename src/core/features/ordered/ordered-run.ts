/**
 * What `ordered: true` changes in a run (run.ts calls these at its seams):
 *
 * - the first request takes the lease (start.ts); a run without it stops at once;
 * - every transaction after it is fenced by the lease (fence.ts, through
 *   `fence`): a run that lost its lease writes nothing;
 * - each batch is handled key by key (handle-ordered.ts), and no handler
 *   starts that could still be running when the lease ends;
 * - each commit carries the held keys' changes (held.ts), and the last one
 *   gives the lease back when the run ended within its lease with everything
 *   it read committed. After commit parts the budget did not pay for, the
 *   lease is left to expire.
 * - a request that failed gives the lease back at once (compare-and-delete
 *   on the token): the fence makes anything of this run still on its way a
 *   no-op, so the next run may reclaim this run's messages without waiting
 *   (start.ts), and a fault costs a tick, not a lease.
 *
 * The lease lasts `maxRunMs + visibilityTimeoutMs + 5 s`. A run reads only
 * within `maxRunMs` of its start (plan.ts) and starts no handler past
 * `maxRunMs + visibilityTimeoutMs − handlerTimeoutMs`, so a run that lives
 * finishes within it. A run that dies keeps it until it expires; the next
 * run then reclaims what it read, oldest first, before reading anything new.
 */
import type { Delivered } from "../../define/define.js";
import type { Fetched } from "../../handle/fetched.js";
import type { FirstRequest } from "../feature.js";
import { ensureGroup } from "../ensure-group.js";
import type { Outcome } from "../../handle/handle-batch.js";
import { orderedLeaseKey } from "../../redis/keys.js";
import type { FunctionOptions } from "../../define/options.js";
import { VISIBILITY_MARGIN_MS } from "../../define/options.js";
import type { Command, Outcome as Reply, Transport } from "../../redis/transport.js";
import { LeaseLostError, releaseCommand, sendFenced } from "./fence.js";
import type { OrderedOptions } from "./handle-ordered.js";
import { handleOrdered, messageKey, settleUnhandled } from "./handle-ordered.js";
import { Held } from "./held.js";
import type { LeaseTarget } from "./start.js";
import { orderedStart } from "./start.js";

export const orderedLeaseMs = (o: Pick<FunctionOptions, "maxRunMs" | "visibilityTimeoutMs">): number => o.maxRunMs + o.visibilityTimeoutMs + VISIBILITY_MARGIN_MS;

/** Attempts at giving the lease back after a failed request; each is one request, and harmless when repeated. */
const RELEASE_ATTEMPTS = 3;

export class OrderedRun {
  #held = new Held();
  /** The lease is ours and not given back: transactions are fenced. */
  #holding = false;
  #released = false;
  #safe = true;
  /** `fence` was called: the release is a plain DEL inside the fenced script, which checked the token first. */
  #fenced = false;
  /** The next transaction carries the release. */
  #releasing = false;
  readonly #leaseMs: number;
  readonly #token = crypto.randomUUID();
  readonly #leaseKey: string;
  /** What `fence` wraps: the release after a failure goes straight through it, carrying nothing of other features. */
  #inner: Transport | undefined;

  constructor(
    private readonly target: LeaseTarget,
    private readonly o: FunctionOptions,
    private readonly now: () => number,
    private readonly startedAt: number,
  ) {
    this.#leaseMs = orderedLeaseMs(o);
    this.#leaseKey = orderedLeaseKey(target.stream, target.group);
  }

  /**
   * The run's transport, fenced: while this run holds the lease, each
   * transaction goes as one script that runs only if the lease is still this
   * run's (fence.ts), and a failed request gives the lease back. Pipelines,
   * and transactions before the lease or after its release, pass through.
   */
  fence(inner: Transport): Transport {
    this.#fenced = true;
    this.#inner = inner;
    return {
      pipeline: (commands) => inner.pipeline(commands),
      transaction: (commands) => (this.#holding ? this.#commit(inner, commands) : inner.transaction(commands)),
    };
  }

  async #commit(inner: Transport, commands: readonly Command[]): Promise<Reply[]> {
    const releasing = this.#releasing;
    this.#releasing = false;
    try {
      const outcomes = await sendFenced(inner, { leaseKey: this.#leaseKey, token: this.#token }, commands);
      if (releasing) this.#holding = false;
      return outcomes;
    } catch (error) {
      if (error instanceof LeaseLostError) this.#holding = false;
      else await this.abandon(inner);
      throw error;
    }
  }

  /**
   * Gives the lease back after a failure, if it is still this run's. Safe
   * because of the fence: a request of this run that reaches Redis later
   * finds another token, or none, and writes nothing. Best effort: if every
   * attempt fails the lease runs out as it would have.
   */
  async abandon(t: Transport): Promise<void> {
    if (!this.#holding) return;
    const inner = this.#inner ?? t;
    this.#holding = false;
    for (let i = 0; i < RELEASE_ATTEMPTS; i++) {
      // Any answer settles it (an error reply too: the store has no Lua, say); only a failed request is tried again.
      const answered = await inner.pipeline([releaseCommand(this.#leaseKey, this.#token)]).then(
        () => true,
        () => false,
      );
      if (answered) return;
    }
  }

  /** The first request; undefined when another run holds the lease. */
  async start(t: Transport, size: () => number): Promise<FirstRequest | undefined> {
    let requested = size();
    // The script may have taken the lease (and read) before a failure: the lease is given back as after any failed request.
    this.#holding = true;
    let s;
    try {
      s = await orderedStart(t, this.target, this.#token, this.#leaseMs, requested, this.o.visibilityTimeoutMs, this.now());
      if (s.leased && s.missingGroup) {
        await ensureGroup(t, this.target.stream, this.target.group, this.o.startId);
        requested = size();
        s = await orderedStart(t, this.target, this.#token, this.#leaseMs, requested, this.o.visibilityTimeoutMs, this.now());
      }
    } catch (error) {
      await this.abandon(t);
      throw error;
    }
    this.#holding = s.leased && !s.missingGroup && !s.released;
    if (!s.leased && s.paused) return { pendingAtStart: 0, entries: undefined, requested: 0, gateOpen: true, paused: true, promoted: 0, promotedAfterRead: false };
    if (!s.leased || s.missingGroup) return undefined;
    this.#held = Held.parse(s.held);
    this.#released = s.released;
    // Released by the script: the read found nothing, which must end the run (an empty read of `requested`).
    if (s.released) return { pendingAtStart: 0, entries: [[]], requested, gateOpen: true, promoted: 0, promotedAfterRead: false };
    const readError = s.gateClosed ? undefined : s.readError;
    return {
      pendingAtStart: s.pendingAtStart,
      entries: s.entries === undefined ? undefined : [s.entries],
      requested: s.entries === undefined ? 0 : requested,
      gateOpen: !s.gateClosed,
      promoted: 0,
      promotedAfterRead: false,
      ...(readError === undefined ? {} : { readError }),
    };
  }

  handle(fetched: Fetched, o: Omit<OrderedOptions, "partitionKey" | "backoff" | "visibilityTimeoutMs" | "now" | "startBy">): Promise<Outcome[]> {
    settleUnhandled(this.#held, fetched);
    // A handler started later could outlive the lease (a key's messages run one after another): its key waits for the next run.
    const startBy = this.startedAt + this.#leaseMs - VISIBILITY_MARGIN_MS - this.o.handlerTimeoutMs;
    return handleOrdered(fetched.toHandle, this.#held, { ...o, partitionKey: this.o.partitionKey, backoff: this.o.backoff, visibilityTimeoutMs: this.o.visibilityTimeoutMs, now: this.now, startBy });
  }

  /** A message another feature put back before it was handled (keyConcurrency): it holds its key, due then. */
  holdBack(m: Delivered, dueAt: number): void {
    this.#held.hold(messageKey(m, this.o.partitionKey), m.id, dueAt);
  }

  /** Something this run read may not be committed: the lease must run out rather than be given back. */
  keepLease(): void {
    this.#safe = false;
  }

  /** The held keys' changes, and on the last request the lease's release when it is safe. */
  commands(final: boolean): Command[] {
    const commands = this.#held.takeCommands(this.target.stream, this.target.group);
    // Elapsed time is measured from before the lease was taken, so within it the lease is still ours.
    const withinLease = this.now() - this.startedAt < this.#leaseMs - VISIBILITY_MARGIN_MS;
    if (final && !this.#released && this.#safe && withinLease) {
      // Fenced, the script checked the lease is ours before it runs the DEL; unfenced, a compare-and-delete rides in the MULTI.
      commands.push(this.#fenced ? ["DEL", this.#leaseKey] : releaseCommand(this.#leaseKey, this.#token));
      this.#releasing = this.#fenced;
      this.#released = true;
    }
    return commands;
  }
}
