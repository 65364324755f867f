/**
 * Several streams' writes in one MULTI/EXEC: the partitions of a partitioned
 * write that live on one database (so one request per database, not per
 * partition), or a plain enqueue alone. An immediate part may take its
 * stream's wake lease beside its XADDs (wake-lease.ts `wakeLeaseOps`), so
 * wake-on-enqueue costs no request of its own.
 *
 * MULTI/EXEC runs every command even when one fails at run time, so each
 * part is settled on its own: a part whose write failed failed, the others
 * are written. A lease that failed leaves its part written and unwoken (the
 * tick consumes it): answering an error for a written message would invite
 * a retry that writes it twice. A lease taken beside a write that failed
 * still counted: its session is still started (`wakes`), so the window it
 * opened has its last read and no write under it waits for the tick.
 */
import { delayCommand, newDelayedId } from "../core/features/delayed.js";
import { RedisReplyError } from "../core/redis/errors.js";
import type { Op } from "../core/redis/ops.js";
import { rawOp, transactionSettled } from "../core/redis/ops.js";
import type { Transport } from "../core/redis/transport.js";
import { wakeLeaseOps } from "../functions/wake-lease.js";
import type { EnqueueRequest } from "./enqueue.js";
import { idsOf, xaddOps } from "./enqueue.js";
import { dueOf } from "./enqueue-delayed.js";

export interface EnqueuePart {
  request: EnqueueRequest;
  /** Take the stream's wake lease, held this long; an immediate write only (a delayed one wakes nothing). */
  leaseMs?: number | undefined;
}

export interface PartOutcome {
  /** The ids written, or why not. */
  written: PromiseSettledResult<string[]>;
  /** The part took its stream's lease, and the lease says to start a session (also when the write failed). */
  wakes: boolean;
}

interface Planned {
  ops: Op<unknown>[];
  /** Ops of the write itself; the lease's two follow them. */
  writes: number;
  ids: (replies: readonly unknown[]) => string[];
}

function plan({ request, leaseMs }: EnqueuePart): Planned {
  if (request.delay !== undefined) {
    const ids = request.messages.map(() => newDelayedId());
    const messages = request.messages.map((fields, i) => ({ id: ids[i]!, fields }));
    return { ops: [rawOp(delayCommand(request.stream, dueOf(request.delay), messages))], writes: 1, ids: () => ids };
  }
  const writes = xaddOps(request);
  const lease = leaseMs === undefined ? [] : wakeLeaseOps(request.stream, request.messages.length, leaseMs);
  return { ops: [...writes, ...lease], writes: writes.length, ids: (replies) => idsOf(replies as (string | null)[]) };
}

/** One request for all `parts` (they must live on one database); settled per part, in order. A transport failure rejects every part. */
export async function enqueueParts(t: Transport, parts: readonly EnqueuePart[]): Promise<PartOutcome[]> {
  const planned = parts.map(plan);
  let settled;
  try {
    settled = await transactionSettled(t, planned.flatMap((p) => p.ops));
  } catch (reason) {
    return parts.map(() => ({ written: { status: "rejected", reason }, wakes: false }));
  }
  let at = 0;
  return planned.map((p): PartOutcome => {
    const own = settled.slice(at, at + p.ops.length);
    at += p.ops.length;
    const lease = own[p.writes + 1];
    const wakes = lease !== undefined && lease.ok && lease.value === true;
    const failed = own.slice(0, p.writes).find((s) => !s.ok);
    if (failed && !failed.ok) return { written: { status: "rejected", reason: new RedisReplyError(failed.error) }, wakes };
    try {
      return { written: { status: "fulfilled", value: p.ids(own.slice(0, p.writes).map((s) => (s.ok ? s.value : null))) }, wakes };
    } catch (reason) {
      return { written: { status: "rejected", reason }, wakes };
    }
  });
}

/** A plain immediate enqueue with its stream's wake lease: one request in all. `wakes` says whether it starts a session. */
export async function enqueueWaking(t: Transport, request: EnqueueRequest, leaseMs: number): Promise<{ ids: string[]; wakes: boolean }> {
  const [{ written, wakes }] = (await enqueueParts(t, [{ request, leaseMs }])) as [PartOutcome];
  if (written.status === "rejected") throw written.reason;
  return { ids: written.value, wakes };
}
