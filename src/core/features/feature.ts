/**
 * The contract between a run (run/run.ts) and the features that shape it:
 * pause, the backpressure gate, rate limit, slow-down, key concurrency,
 * ordered, delays, retention. Like hono's middleware, a feature never
 * sends a request of the run's: it adds commands to the requests the run
 * sends anyway (the first request, each commit-and-fetch, the last one) and
 * reads their replies. It may hold messages back or put them back before a
 * batch is handled, bound or stop the next fetch, and take over one seam
 * (the first request, or how a batch is handled) when its semantics need it.
 *
 * Every hook is optional. The run calls them in list order (features/index.ts)
 * and never looks at which feature answered, so a new feature is a new file
 * and a line in that list, not a new branch in the run.
 */
import type { FunctionOptions } from "../define/options.js";
import type { Target } from "../define/target.js";
import type { BatchOptions, Outcome } from "../handle/attempt-context.js";
import type { Fetched } from "../handle/fetched.js";
import type { StreamEntry } from "../redis/parse-replies.js";
import type { Op, Settled } from "../redis/ops.js";
import type { Transport } from "../redis/transport.js";
import type { RunReport, StopReason } from "./report.js";

/** What a feature sees of the run it is part of. */
export interface RunScope {
  readonly o: FunctionOptions;
  readonly target: Target;
  readonly startedAt: number;
  now(): number;
  /** The report so far: features add their counts and notes to it. */
  readonly report: RunReport;
  /** Ends the run after the request in flight (the first reason given wins). */
  stop(reason: StopReason): void;
}

/** Commands a feature adds to a request the run sends anyway, and what it learns from their replies. */
export interface Ride {
  ops: Op<unknown>[];
  replies?(settled: readonly Settled<unknown>[]): void;
}

/**
 * What a request fetches besides its commit: new entries, idle ones, nothing
 * yet (`wait`: a feature waits, the commit goes first; `waited`: the run has
 * waited, the features may prepare), or nothing more (the last request).
 */
export type FetchKind = "read" | "recover" | "wait" | "waited" | "last";

/** A feature's word on the next fetch: a size at most the one offered, a wait, or a stop. */
export type Verdict = { size: number } | { waitMs: number; reason: StopReason } | { stop: StopReason };

export interface FirstRequest {
  pendingAtStart: number;
  /** Each lane's read, in the order the reads were sent (lane-plan.ts); undefined when nothing was read (no budget, a gate closed, or the read refused). */
  entries: StreamEntry[][] | undefined;
  /** What each lane's read asked for, highest first (lane-plan.ts); absent: one stream, asked for `requested`. */
  asked?: number[];
  /** Each lane's pending count; absent: only the total, `pendingAtStart`, is known. */
  pending?: number[];
  requested: number;
  gateOpen: boolean;
  /** The function is paused (pause.ts): nothing was read, and the run must stop at once. */
  paused?: boolean;
  /** Why the read was refused, when it was not a gate. */
  readError?: string;
  /** Delayed messages moved into the stream (`delays`). */
  promoted: number;
  /** True when they were moved after the read (the store refused the script's flag): the read did not see them. */
  promotedAfterRead: boolean;
  /** Why promotion failed; the summary then came from a plain XPENDING. */
  promoteError?: string;
}

/** How a feature changes the default first request (run/first-request.ts). */
export interface FirstShape {
  /** The gate the first read names beside the stream and the pause gate (backpressure). */
  gate?: string;
  /** The read names only the gates: the feature cannot pay for messages yet (rate limit). */
  gatesOnly?: boolean;
  /** Replaces the XPENDING summary of each stream read (a lane's, lanes.ts): a script that also answers `{ pending, promoted }` (delays). */
  summary?: (stream: string) => Op<unknown>;
  /** Commands beside the read. */
  ride?: Ride;
}

export interface Feature {
  /** Subrequests kept free for this feature's work after the loop (retention). */
  readonly requestsAfterRun?: number;
  /** Subrequests of its own this feature spends on each batch (key leases). */
  readonly requestsPerBatch?: number;
  /** Wraps the transport every request of the run goes through (ordered: the lease's fence on its writes). */
  transport?(inner: Transport): Transport;
  /** Changes to the default first request. */
  first?(): FirstShape;
  /** Takes over the first request (ordered's lease script), honouring the other features' shape; undefined: another run holds the function. */
  start?(t: Transport, size: () => number, shape: FirstShape): Promise<FirstRequest | undefined>;
  /** What the first request found. */
  started?(first: FirstRequest, fetched: Fetched): void;
  /** Before a batch is handled: may hold messages back or put them back. */
  admit?(t: Transport, fetched: Fetched): Promise<Fetched>;
  /** Handles a batch its own way (ordered: key by key). */
  handle?(fetched: Fetched, batch: BatchOptions): Promise<Outcome[]>;
  /** A handler asked the whole function to hold off (`ctx.slowDown`). */
  slowDown?(ms: number): void;
  /** Each batch's outcomes, before its commit is built. */
  handled?(outcomes: readonly Outcome[]): void;
  /** Messages a commit settles (acknowledged or dead-lettered): counted before the next fetch is planned. */
  settling?(count: number): void;
  /** Parts of a commit the budget could not pay for: something read may stay uncommitted. */
  unpaid?(): void;
  /** The next fetch: how many it may ask for, or why to wait or stop. */
  next?(kind: "read" | "recover", size: number): Verdict;
  /** Commands riding with a commit, by what the request also fetches. */
  ride?(kind: FetchKind): Ride | undefined;
  /** A fetch's reply was refused: a reason to stop (pause), or undefined to let the run fail. */
  refused?(kind: FetchKind, error: string): StopReason | undefined;
  /** What a fetch brought, and how many it asked for. */
  fetched?(kind: "read" | "recover", fetched: Fetched, requested: number): void;
  /** After the loop: work of its own, which then stores the report itself. */
  finish?(t: Transport, report: (commands: number) => RunReport): Promise<RunReport>;
}
