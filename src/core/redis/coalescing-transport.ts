/**
 * Several partitions per request: the members of a partitioned function run
 * side by side, and their requests issued within one macrotask are merged
 * into one HTTP request (pipelines into one `/pipeline`, transactions into
 * one `/multi-exec`, never the two mixed), so P partitions' idle reads cost
 * one subrequest, not P. Each caller gets exactly its own outcomes.
 *
 * - A merged body stays within `maxRequestBytes` (request-bytes.ts); what
 *   does not fit goes in the next request of the same flush.
 * - A merged request refused in a way that provably ran nothing (EXECABORT:
 *   a command of the MULTI was malformed; the request-size cap, checked
 *   before anything runs) is sent again caller by caller, so one member's bad
 *   command never blocks its siblings' commits. The refused attempt was a
 *   subrequest of its own: its first caller is charged for it
 *   (extra-requests.ts), so the callers' counts add up to what was sent.
 * - Any other failure rejects every caller of that request with a
 *   `TransportError` (outcome unknown), whatever Redis said: an error reply
 *   to the merged request cannot be pinned on one caller, and part of it may
 *   have run, so sending it again could apply a commit twice. Each run
 *   already verifies a commit whose outcome is unknown.
 *
 * Merging MULTI/EXECs only joins transactions, which never splits one, and
 * Redis runs the joined one atomically: every guarantee of each part holds.
 */
import { RedisReplyError, TransportError } from "./errors.js";
import { withExtraRequests } from "./extra-requests.js";
import { commandsBytes } from "./request-bytes.js";
import type { Command, Outcome, Transport } from "./transport.js";

/** Outcomes handed to a caller whose commands rode in a request another caller's opened: that request is counted once, by its first caller. */
const riders = new WeakSet<readonly Outcome[]>();

/** True when these outcomes came back in a merged request opened by another caller (counting-transport.ts counts it once). */
export const rodeAlong = (outcomes: readonly Outcome[]): boolean => riders.has(outcomes);

interface Waiting {
  commands: readonly Command[];
  resolve(outcomes: Outcome[]): void;
  reject(error: unknown): void;
}

type Kind = "pipeline" | "transaction";

export interface CoalescingOptions {
  /** The most bytes one merged request may carry. */
  maxRequestBytes: number;
}

export function coalescingTransport(inner: Transport, { maxRequestBytes }: CoalescingOptions): Transport {
  const queues: Record<Kind, Waiting[]> = { pipeline: [], transaction: [] };
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    for (const kind of ["pipeline", "transaction"] as const) {
      const waiting = queues[kind].splice(0);
      for (const batch of fitting(waiting, maxRequestBytes)) void send(kind, batch);
    }
  }

  async function send(kind: Kind, batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return settleAlone(kind, batch[0]!);
    try {
      const merged = batch.flatMap((w) => w.commands);
      const outcomes = await inner[kind](merged);
      if (outcomes.length !== merged.length) throw new TransportError(`a merged ${kind} of ${merged.length} commands was answered with ${outcomes.length} outcomes`);
      let at = 0;
      for (const w of batch) {
        const own = outcomes.slice(at, at + w.commands.length);
        if (at > 0) riders.add(own);
        w.resolve(own);
        at += w.commands.length;
      }
    } catch (error) {
      // Refused whole: nothing ran, so each part alone is safe to send, and only a bad part fails again.
      if (ranNothing(error)) return void (await Promise.all(batch.map((w, i) => settleAlone(kind, w, i === 0 ? 1 : 0))));
      const unknown = error instanceof TransportError ? error : new TransportError(`a merged ${kind} of ${batch.length} callers failed, so each one's outcome is unknown: ${String((error as Error)?.message ?? error)}`, { cause: error });
      for (const w of batch) w.reject(unknown);
    }
  }

  // Through a promise, so a transport that throws instead of rejecting still settles its caller.
  const settleAlone = (kind: Kind, w: Waiting, extra = 0) =>
    Promise.resolve(w.commands)
      .then((commands) => inner[kind](commands))
      .then(
        (outcomes) => w.resolve(withExtraRequests(outcomes, extra)),
        (error: unknown) => w.reject(withExtraRequests(error, extra)),
      );

  function enqueue(kind: Kind, commands: readonly Command[]): Promise<Outcome[]> {
    return new Promise((resolve, reject) => {
      queues[kind].push({ commands, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, 0);
      }
    });
  }

  return {
    pipeline: (commands) => enqueue("pipeline", commands),
    transaction: (commands) => enqueue("transaction", commands),
  };
}

/**
 * An error reply that proves no command of the request ran: EXECABORT (Redis
 * refuses the whole MULTI at EXEC when a command was malformed), and
 * Upstash's request-size refusal (`ERR max request size exceeded`, checked
 * before it runs anything).
 */
const ranNothing = (error: unknown): boolean => error instanceof RedisReplyError && /^(EXECABORT\b|ERR max request size exceeded)/i.test(error.message);

/** Consecutive runs of callers whose commands together stay within the cap; one too large alone goes alone. */
function fitting(waiting: readonly Waiting[], maxBytes: number): Waiting[][] {
  // A lone caller goes alone whatever its size: no need to measure it (that scans every id of a commit).
  if (waiting.length <= 1) return waiting.length === 0 ? [] : [[...waiting]];
  const batches: Waiting[][] = [];
  let current: Waiting[] = [];
  let bytes = 0;
  for (const w of waiting) {
    const size = commandsBytes(w.commands);
    if (current.length > 0 && bytes + size > maxBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(w);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
