/**
 * What `ordered: true` changes in a run (run.ts calls these at its seams):
 *
 * - the first request takes the lease (start.ts); a run without it stops at once;
 * - each batch is handled key by key (handle-ordered.ts);
 * - each commit carries the held keys' changes (held.ts), and the last one
 *   gives the lease back, but only when the run ended within its lease with
 *   everything it read committed. After an error, a lost commit, or commit
 *   parts the budget did not pay for, the lease is left to expire instead.
 *
 * The lease lasts `maxRunMs + visibilityTimeoutMs + 5 s`. A run reads only
 * within `maxRunMs` of its start (plan.ts), so by the time the lease of a run
 * that died expires, every message it read is idle past the visibility
 * timeout: the next run reclaims them, oldest first, before it reads anything
 * new. That is what keeps a key's order across crashes.
 */
import type { Delivered } from "../../define/define.js";
import type { Fetched } from "../../handle/fetched.js";
import type { FirstRequest } from "../feature.js";
import { ensureGroup } from "../ensure-group.js";
import type { Outcome } from "../../handle/handle-batch.js";
import { orderedLeaseKey } from "../../redis/keys.js";
import type { FunctionOptions } from "../../define/options.js";
import { VISIBILITY_MARGIN_MS } from "../../define/options.js";
import type { Command, Transport } from "../../redis/transport.js";
import type { OrderedOptions } from "./handle-ordered.js";
import { handleOrdered, messageKey, settleUnhandled } from "./handle-ordered.js";
import { Held } from "./held.js";
import type { LeaseTarget } from "./start.js";
import { orderedStart } from "./start.js";

export const orderedLeaseMs = (o: Pick<FunctionOptions, "maxRunMs" | "visibilityTimeoutMs">): number => o.maxRunMs + o.visibilityTimeoutMs + VISIBILITY_MARGIN_MS;

export class OrderedRun {
  #held = new Held();
  #released = false;
  #safe = true;
  readonly #leaseMs: number;

  constructor(
    private readonly target: LeaseTarget,
    private readonly o: FunctionOptions,
    private readonly now: () => number,
    private readonly startedAt: number,
  ) {
    this.#leaseMs = orderedLeaseMs(o);
  }

  /** The first request; undefined when another run holds the lease. */
  async start(t: Transport, size: () => number): Promise<FirstRequest | undefined> {
    const token = crypto.randomUUID();
    let requested = size();
    let s = await orderedStart(t, this.target, token, this.#leaseMs, requested);
    if (s.leased && s.missingGroup) {
      await ensureGroup(t, this.target.stream, this.target.group, this.o.startId);
      requested = size();
      s = await orderedStart(t, this.target, token, this.#leaseMs, requested);
    }
    if (!s.leased && s.paused) return { pendingAtStart: 0, entries: undefined, requested: 0, gateOpen: true, paused: true, promoted: 0, promotedAfterRead: false };
    if (!s.leased || s.missingGroup) return undefined;
    this.#held = Held.parse(s.held);
    this.#released = s.released;
    // Released by the script: the read found nothing, which must end the run (an empty read of `requested`).
    if (s.released) return { pendingAtStart: 0, entries: [], requested, gateOpen: true, promoted: 0, promotedAfterRead: false };
    const gateClosed = s.readError?.startsWith("NOGROUP") ?? false;
    const readError = gateClosed ? undefined : s.readError;
    return {
      pendingAtStart: s.pendingAtStart,
      entries: s.entries,
      requested: s.entries === undefined ? 0 : requested,
      gateOpen: !gateClosed,
      promoted: 0,
      promotedAfterRead: false,
      ...(readError === undefined ? {} : { readError }),
    };
  }

  handle(fetched: Fetched, o: Omit<OrderedOptions, "partitionKey" | "backoff" | "visibilityTimeoutMs" | "now">): Promise<Outcome[]> {
    settleUnhandled(this.#held, fetched);
    return handleOrdered(fetched.toHandle, this.#held, { ...o, partitionKey: this.o.partitionKey, backoff: this.o.backoff, visibilityTimeoutMs: this.o.visibilityTimeoutMs, now: this.now });
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
      commands.push(["DEL", orderedLeaseKey(this.target.stream, this.target.group)]);
      this.#released = true;
    }
    return commands;
  }
}
