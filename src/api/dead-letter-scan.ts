/**
 * Filtering dead letters. Dates map onto the stream's own ids (a dead
 * letter's id is when it was dead-lettered), so `from`/`to` only narrow the
 * XRANGE and cost nothing. Error text (`q`) and source stream are matched
 * on the entries read: each page examines at most `SCAN_PAGE` entries, so a
 * filtered page can hold fewer matches than asked for, and `next` goes on
 * where the scan stopped. Every request is bounded, however sparse matches are.
 */
import { xrange } from "../core/redis/commands.js";
import type { DeadLetter } from "../core/dead-letters/dead-letter.js";
import { parseDeadLetter } from "../core/dead-letters/dead-letter.js";
import { sendPipeline } from "../core/redis/ops.js";
import type { StreamEntry } from "../core/redis/parse-replies.js";
import { compareStreamIds, nextStreamId } from "../core/redis/stream-id.js";
import type { Transport } from "../core/redis/transport.js";

/** Entries one filtered page examines. */
export const SCAN_PAGE = 1_000;
/** Entries a "replay all matching" examines at most (ten requests). */
export const MAX_SCANNED = 10_000;

export interface DeadLetterFilter {
  /** Case-insensitive text in the error. */
  q?: string;
  /** Dead-lettered at or after (unix ms). */
  from?: number;
  /** Dead-lettered at or before (unix ms). */
  to?: number;
  /** The stream it came from. */
  source?: string;
}

const byContent = (f: DeadLetterFilter) => f.q !== undefined || f.source !== undefined;

export function matches(d: DeadLetter | null, f: DeadLetterFilter): boolean {
  if (d === null) return !byContent(f);
  if (f.source !== undefined && d.stream !== f.source) return false;
  return f.q === undefined || d.error.toLowerCase().includes(f.q.toLowerCase());
}

/** The XRANGE bounds of a page starting at `start` under the filter's dates. */
export function bounds(start: string, f: DeadLetterFilter): { start: string; end: string } {
  const from = f.from === undefined ? "-" : `${f.from}-0`;
  const first = start === "-" ? from : from === "-" || compareStreamIds(start, from) > 0 ? start : from;
  return { start: first, end: f.to === undefined ? "+" : String(f.to) };
}

export interface ScannedPage {
  entries: StreamEntry[];
  /** Pass as `start` to go on; null when nothing follows. */
  next: string | null;
  scanned: number;
}

/** One page of at most `count` matching entries, one XRANGE. */
export async function scanPage(t: Transport, dlq: string, start: string, count: number, f: DeadLetterFilter): Promise<ScannedPage> {
  const range = bounds(start, f);
  const want = byContent(f) ? SCAN_PAGE : count + 1;
  const [read] = await sendPipeline(t, [xrange(dlq, range.start, range.end, want)] as const);
  const hits = read.filter((e) => matches(parseDeadLetter(e), f));
  const page = hits.slice(0, count);
  let next: string | null = null;
  if (hits.length > count) next = nextStreamId(page[page.length - 1]!.id);
  else if (read.length === want) next = nextStreamId(read[read.length - 1]!.id);
  return { entries: page, next, scanned: Math.min(read.length, want) };
}

/**
 * Ids of up to `limit` matching dead letters, oldest first, examining at most
 * `MAX_SCANNED` entries; `more` when matches may follow. Only entries in the
 * dead-letter format match (`q` defaults to ""): a malformed one cannot be replayed.
 */
export async function scanMatching(t: Transport, dlq: string, f: DeadLetterFilter, limit: number): Promise<{ ids: string[]; scanned: number; more: boolean }> {
  const ids: string[] = [];
  let start: string | null = "-";
  let scanned = 0;
  while (start !== null && ids.length < limit && scanned < MAX_SCANNED) {
    const page = await scanPage(t, dlq, start, limit - ids.length, { ...f, q: f.q ?? "" });
    ids.push(...page.entries.map((e) => e.id));
    scanned += page.scanned;
    start = page.next;
  }
  return { ids, scanned, more: start !== null };
}
