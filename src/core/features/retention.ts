/**
 * Safe trimming. The floor is the oldest entry some group still needs: its
 * oldest pending entry, or the first entry after its last-delivered id. The
 * stream is trimmed (XTRIM MINID, exact) only below the floor; `maxLen` keeps
 * that much acknowledged history, never trimming past the floor either way.
 * Entries a dead letter refers to (dead-letter-refs.ts) lower the floor too.
 *
 * Limits: a group created (or moved back with SETID) between the floor's
 * reading and the XTRIM is not protected; create groups before producing.
 */
import { xinfoGroups, xlen, xpendingSummary, xrange, xtrim } from "../redis/commands.js";
import type { BacklogSource } from "./backlog-sample.js";
import { oldestRefOp } from "../dead-letters/dead-letter-refs.js";
import type { Op } from "../redis/ops.js";
import { op, sendPipeline, sendTransaction } from "../redis/ops.js";
import type { RetentionOptions } from "../define/options.js";
import type { RunReport } from "./report.js";
import { storeReportCommands } from "./report.js";
import { compareStreamIds, nextStreamId } from "../redis/stream-id.js";
import type { Transport } from "../redis/transport.js";

export { RETENTION_REQUESTS } from "../define/options.js";
/** One trim removes at most this many entries beyond the floor's limit, so its reads stay small. */
const MAXLEN_PAGE = 1_000;

/**
 * Computes each stream's floor and trims; the last request also stores the
 * run report, built by `report` given the commands that request carries.
 * `streams`: every stream the function reads (its lanes', lanes.ts), each
 * with its own floor; still three requests, whatever their number.
 * Returns the report stored.
 */
export async function applyRetention(t: Transport, streams: readonly string[], retention: RetentionOptions, report: (commands: number) => RunReport, backlog?: BacklogSource): Promise<RunReport> {
  const infos = await sendPipeline(t, streams.flatMap((stream) => [xinfoGroups(stream), xlen(stream), oldestRefOp(stream)]) as Op<unknown>[]);
  const plans = streams.map((stream, i) => plan(stream, retention, infos[3 * i] as Groups, infos[3 * i + 1] as number, infos[3 * i + 2] as string | undefined));
  const replies: unknown[] = plans.some((p) => p.reads.length > 0) ? await sendPipeline(t, plans.flatMap((p) => p.reads)) : [];
  const ops: Op<unknown>[] = [];
  let at = 0;
  for (const p of plans) {
    const trimBelow = p.trimBelow(replies.slice(at, at + p.reads.length));
    at += p.reads.length;
    if (trimBelow !== undefined) ops.push(xtrim(p.stream, { strategy: "MINID", threshold: trimBelow }));
  }
  const stored = report(ops.length + 2);
  ops.push(...storeReportCommands(stored, backlog).map((c) => op(c, (x) => x)));
  await sendTransaction(t, ops);
  return stored;
}

type Groups = { name: string; pending: number; lastDeliveredId: string }[];

/** One stream's reads for its floor, and the id to trim below once they are answered (undefined: nothing to trim). */
function plan(stream: string, retention: RetentionOptions, groups: Groups, length: number, held: string | undefined) {
  const withPending = groups.filter((g) => g.pending > 0);
  const excess = retention.maxLen === undefined ? 0 : Math.min(length - retention.maxLen, MAXLEN_PAGE);
  const reads: Op<unknown>[] = [...withPending.map((g) => xpendingSummary(stream, g.name)), ...(excess > 0 ? [xrange(stream, "-", "+", excess)] : [])];
  const trimBelow = (replies: readonly unknown[]): string | undefined => {
    let floor: string | undefined;
    const lower = (id: string) => {
      if (floor === undefined || compareStreamIds(id, floor) < 0) floor = id;
    };
    for (const g of groups) lower(nextStreamId(g.lastDeliveredId));
    if (held !== undefined) lower(held);
    withPending.forEach((_, i) => {
      const smallest = (replies[i] as { smallestId: string | null }).smallestId;
      if (smallest) lower(smallest);
    });
    let below = floor;
    if (retention.maxLen !== undefined) {
      const page = excess > 0 ? (replies[withPending.length] as { id: string }[]) : [];
      const cutoff = page.length > 0 ? nextStreamId(page[page.length - 1]!.id) : undefined;
      below = cutoff === undefined || floor === undefined ? undefined : compareStreamIds(cutoff, floor) < 0 ? cutoff : floor;
    }
    return groups.length > 0 ? below : undefined;
  };
  return { stream, reads, trimBelow };
}
