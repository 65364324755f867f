/**
 * Step 6: what the fetch brought becomes the batch in hand. Recovery's
 * replies are read into messages, dead letters and dropped entries
 * (fetch.ts), and its cursor moves on; a read's entries are counted, and a
 * short read ends the reading.
 */
import { emptyFetch } from "../../handle/fetched.js";
import type { StreamEntry } from "../../redis/parse-replies.js";
import { takeReads, takeRecovery } from "../lane-plan.js";
import type { RunState } from "../state.js";
import { countRead } from "./count-read.js";
import type { NextFetch } from "./next-fetch.js";

export async function takeFetched(s: RunState, next: NextFetch, values: unknown[]): Promise<void> {
  if (next.kind === "recover") {
    const recovered = await takeRecovery(s.t, s.target, s.lanes, values, s.o);
    if (recovered.note) s.report.error ??= recovered.note;
    s.fetched = recovered;
    s.report.reclaimed += recovered.toHandle.length + recovered.expired.length;
    s.report.skippedReplays += recovered.skipped.length;
    s.report.dropped += recovered.dropped;
    if (recovered.nextCursor === undefined) s.recovering = false;
  } else if (next.kind === "read") {
    const reads = takeReads(s.target, s.lanes, values as StreamEntry[][]);
    s.fetched = reads.fetched;
    countRead(s.report, reads, s.lanes.names);
    s.lastReadShort = reads.short;
  } else {
    s.fetched = emptyFetch();
    return;
  }
  for (const f of s.features) f.fetched?.(next.kind, s.fetched, next.size);
}
