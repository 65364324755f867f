/**
 * Deletes a consumer without losing its messages.
 *
 * `XGROUP DELCONSUMER` drops the consumer's pending entries from the group:
 * they are never delivered to that group again (the seed tutorial is wrong to
 * say they become available). So every pending entry is first moved to
 * another consumer with `XCLAIM … IDLE <its idle> JUSTID`, which keeps its
 * delivery count and idle time, so the visibility timeout and the dead-letter
 * threshold see it exactly as before. The consumer is deleted only once
 * `XPENDING` shows it owns nothing.
 *
 * Another process may still read with that name between the last check and
 * the delete. So the delete is one MULTI of `XPENDING … <consumer>` and
 * `XGROUP DELCONSUMER`: the listing shows exactly what DELCONSUMER drops,
 * and each dropped entry is put back, on `to`, with `XCLAIM … FORCE` and its
 * listed idle time and delivery count (nothing else can claim an id that is
 * in no PEL, and a new read never returns it).
 */
import { xclaimJustId, xgroupDelConsumer, xinfoConsumers, xpendingRange } from "../redis/commands.js";
import { ConfigError } from "../redis/errors.js";
import type { Op } from "../redis/ops.js";
import { sendPipeline, sendTransaction } from "../redis/ops.js";
import type { PendingEntry } from "../redis/parse-replies.js";
import { nextStreamId } from "../redis/stream-id.js";
import type { Transport } from "../redis/transport.js";

/** XPENDING and XCLAIM page size: one page costs two requests. */
export const SAFE_DELETE_PAGE = 1000;
/** Passes over the consumer's PEL before giving up on a consumer someone keeps reading with. */
const MAX_PASSES = 3;

export interface SafeDeleteTarget {
  stream: string;
  group: string;
  consumer: string;
  /** Receives the pending entries; created by the first XCLAIM if missing. */
  to: string;
}

export type SafeDeleteResult = { found: false } | { found: true; moved: number };

/** DELCONSUMER dropped entries after all: someone read with this consumer name in between. */
export class PendingDroppedError extends Error {
  constructor(
    readonly dropped: number,
    message: string,
  ) {
    super(message);
    this.name = "PendingDroppedError";
  }
}

/** The consumer kept receiving entries while they were being moved off it; it was not deleted. */
export class ConsumerBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConsumerBusyError";
  }
}

/** Moves every pending entry of `consumer` to `to`, then deletes `consumer`. Throws `RedisReplyError` (NOGROUP) for a missing group. */
export async function safeDeleteConsumer(t: Transport, target: SafeDeleteTarget): Promise<SafeDeleteResult> {
  const { stream, group, consumer, to } = target;
  if (to === consumer) throw new ConfigError(`cannot move ${JSON.stringify(consumer)}'s pending entries to itself`);
  const [consumers] = await sendPipeline(t, [xinfoConsumers(stream, group)] as const);
  if (!consumers.some((c) => c.name === consumer)) return { found: false };

  let moved = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let start = "-";
    for (;;) {
      const [page] = await sendPipeline(t, [xpendingRange(stream, group, { start, count: SAFE_DELETE_PAGE, consumer })] as const);
      if (page.length === 0) break;
      const claimed = await sendPipeline(t, claimOps(target, page));
      moved += claimed.reduce((n, ids) => n + ids.length, 0);
      if (page.length < SAFE_DELETE_PAGE) break;
      start = nextStreamId(page[page.length - 1]!.id);
    }
    // Re-check right before deleting: DELCONSUMER would drop whatever is still there.
    const [left] = await sendPipeline(t, [xpendingRange(stream, group, { count: 1, consumer })] as const);
    if (left.length > 0) continue;
    const [doomed, dropped] = await sendTransaction(t, [xpendingRange(stream, group, { count: SAFE_DELETE_PAGE, consumer }), xgroupDelConsumer(stream, group, consumer)] as const);
    if (dropped > 0) moved += await restore(t, target, doomed, dropped);
    return { found: true, moved };
  }
  throw new ConsumerBusyError(
    `consumer ${JSON.stringify(consumer)} in group ${JSON.stringify(group)} of ${JSON.stringify(stream)} still owns pending entries after ${MAX_PASSES} passes: ` +
      "something keeps reading with that name; it was not deleted",
  );
}

/** Puts entries DELCONSUMER dropped back on `to`, as they were; throws if some cannot be. */
async function restore(t: Transport, target: SafeDeleteTarget, doomed: readonly PendingEntry[], dropped: number): Promise<number> {
  const { stream, group, consumer, to } = target;
  const ops = doomed.map((p) => xclaimJustId(stream, group, to, 0, [p.id], { idleMs: p.idleMs, retryCount: p.deliveries, force: true }));
  const restored = ops.length === 0 ? 0 : (await sendPipeline(t, ops)).reduce((n, ids) => n + ids.length, 0);
  if (restored < dropped) {
    throw new PendingDroppedError(
      dropped - restored,
      `XGROUP DELCONSUMER dropped ${dropped} pending entries of ${JSON.stringify(consumer)} in group ${JSON.stringify(group)} of ${JSON.stringify(stream)} ` +
        `(something read with that consumer name while it was being deleted); ${restored} were put back on ${JSON.stringify(to)}, ` +
        `${dropped - restored} could not be and will not be delivered to this group again`,
    );
  }
  return restored;
}

/**
 * One XCLAIM per distinct idle time. Its min-idle-time is the idle time just
 * read, so an entry that a run reclaimed (or redelivered) in the meantime is
 * left where it is: its idle time restarted below that threshold.
 */
function claimOps({ stream, group, to }: SafeDeleteTarget, page: readonly PendingEntry[]): Op<string[]>[] {
  const byIdle = new Map<number, string[]>();
  for (const entry of page) {
    const ids = byIdle.get(entry.idleMs) ?? [];
    ids.push(entry.id);
    byIdle.set(entry.idleMs, ids);
  }
  return [...byIdle].map(([idleMs, ids]) => xclaimJustId(stream, group, to, idleMs, ids, { idleMs }));
}
