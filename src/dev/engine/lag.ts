/**
 * Consumer-group lag as Redis 7.0 computes it (t_stream.c:
 * streamRangeHasTombstones, streamEstimateDistanceFromFirstEverEntry,
 * streamReplyWithCGLag). A group's entries-read counter is only trusted while
 * no tombstone (an XDEL'd entry) lies ahead of it; otherwise it is estimated
 * from the stream's counters, or reported as unknown (nil).
 */
import { ENTRIES_READ_UNKNOWN, type ConsumerGroup } from "./group.js";
import type { Stream } from "./stream.js";
import { compareIds, isZeroId, MAX_ID, MIN_ID, type StreamId } from "./stream-id.js";

/** Whether the last tombstone falls in [start, end] of a non-empty stream. */
export function rangeHasTombstones(stream: Stream, start: StreamId | null, end: StreamId | null): boolean {
  if (stream.length === 0 || isZeroId(stream.maxDeletedId)) return false;
  if (compareIds(stream.firstId, stream.maxDeletedId) > 0) return false;
  return compareIds(start ?? MIN_ID, stream.maxDeletedId) <= 0 && compareIds(stream.maxDeletedId, end ?? MAX_ID) <= 0;
}

/** The logical read counter of `id`, or ENTRIES_READ_UNKNOWN. */
export function estimateEntriesRead(stream: Stream, id: StreamId): number {
  if (stream.entriesAdded === 0) return 0;
  if (stream.length === 0 && compareIds(id, stream.lastId) < 1) return stream.entriesAdded;
  const cmpLast = compareIds(id, stream.lastId);
  if (cmpLast === 0) return stream.entriesAdded;
  if (cmpLast > 0) return ENTRIES_READ_UNKNOWN;
  const cmpFirst = compareIds(id, stream.firstId);
  if (isZeroId(stream.maxDeletedId) || compareIds(stream.maxDeletedId, stream.firstId) < 0) {
    if (cmpFirst < 0) return stream.entriesAdded - stream.length;
    if (cmpFirst === 0) return stream.entriesAdded - stream.length + 1;
  }
  return ENTRIES_READ_UNKNOWN;
}

/** XINFO GROUPS `lag`: null when it cannot be known. */
export function groupLag(stream: Stream, group: ConsumerGroup): number | null {
  if (stream.entriesAdded === 0) return 0;
  if (group.entriesRead !== ENTRIES_READ_UNKNOWN && !rangeHasTombstones(stream, group.lastId, null)) {
    return stream.entriesAdded - group.entriesRead;
  }
  const estimated = estimateEntriesRead(stream, group.lastId);
  return estimated === ENTRIES_READ_UNKNOWN ? null : stream.entriesAdded - estimated;
}

/** Advances the group past a newly delivered `id`, keeping its read counter honest. */
export function advanceGroup(stream: Stream, group: ConsumerGroup, id: StreamId): void {
  if (group.entriesRead !== ENTRIES_READ_UNKNOWN && !rangeHasTombstones(stream, id, null)) {
    group.entriesRead++;
  } else if (stream.entriesAdded) {
    group.entriesRead = estimateEntriesRead(stream, id);
  }
  group.lastId = id;
}
