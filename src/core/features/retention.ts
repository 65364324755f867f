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
 * Computes the floor and trims; the last request also stores the run report,
 * built by `report` given the commands that request carries. Returns the report stored.
 */
export async function applyRetention(t: Transport, stream: string, retention: RetentionOptions, report: (commands: number) => RunReport, backlog?: BacklogSource): Promise<RunReport> {
  const [groups, length, held] = await sendPipeline(t, [xinfoGroups(stream), xlen(stream), oldestRefOp(stream)] as const);
  const withPending = groups.filter((g) => g.pending > 0);
  const excess = retention.maxLen === undefined ? 0 : Math.min(length - retention.maxLen, MAXLEN_PAGE);
  const reads = [
    ...withPending.map((g) => xpendingSummary(stream, g.name)),
    ...(excess > 0 ? [xrange(stream, "-", "+", excess)] : []),
  ];
  const replies: unknown[] = reads.length > 0 ? await sendPipeline(t, reads as Op<unknown>[]) : [];

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

  let trimBelow = floor;
  if (retention.maxLen !== undefined) {
    const page = excess > 0 ? (replies[withPending.length] as { id: string }[]) : [];
    const cutoff = page.length > 0 ? nextStreamId(page[page.length - 1]!.id) : undefined;
    trimBelow = cutoff === undefined || floor === undefined ? undefined : compareStreamIds(cutoff, floor) < 0 ? cutoff : floor;
  }
  const ops: Op<unknown>[] = [];
  if (groups.length > 0 && trimBelow !== undefined) ops.push(xtrim(stream, { strategy: "MINID", threshold: trimBelow }));
  const stored = report(ops.length + 2);
  ops.push(...storeReportCommands(stored, backlog).map((c) => op(c, (x) => x)));
  await sendTransaction(t, ops);
  return stored;
}
