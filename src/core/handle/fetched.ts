/**
 * What one fetch hands a run: the messages to handle, and the entries it
 * settles without a handler. Shared by the run's steps and the feature
 * modules, so neither imports the other's internals.
 */
import type { ReplaySorting } from "../dead-letters/replay-target.js";
import type { Delivered as Message } from "../define/define.js";

/** A reclaimed message already at `maxDeliveries`: dead-lettered, never handed to a handler again. */
export interface Expired {
  message: Message;
  /** Deliveries before this run reclaimed it: Redis's count, plus any a parked retry carried. */
  deliveries: number;
}

/** A pending entry by its stream: with lanes (lanes.ts) one batch holds entries of several streams, whose ids may coincide. */
export interface EntryRef {
  id: string;
  stream: string;
}

/** A message put back without an attempt: eligible again at once, its delivery count reset when known. */
export interface Released {
  id: string;
  /** The entry's stream (a lane's, lanes.ts). @default the run's stream */
  stream?: string;
  /** Deliveries to restore (XCLAIM … RETRYCOUNT), undoing a delivery that never reached a handler. */
  retryCount?: number;
  /** Eligible again only after this long (a key at its concurrency limit). @default 0 */
  delayMs?: number;
}

export interface Fetched extends ReplaySorting {
  toHandle: Message[];
  expired: Expired[];
  /** Trimmed ids still pending (Redis 6.2 shape), to acknowledge. */
  trimmed: EntryRef[];
  released: Released[];
  /** Trimmed or deleted entries found, acknowledged or purged, never handled. */
  dropped: number;
}

export const emptyFetch = (): Fetched => ({ toHandle: [], expired: [], trimmed: [], released: [], dropped: 0, skipped: [], replayOf: [] });

/** Puts messages back uncharged: the delivery this fetch counted never reached a handler. */
export const putBack = (messages: readonly Message[], delayMs?: number): Released[] =>
  messages.map((m) => ({ id: m.id, stream: m.stream, retryCount: m.attempt - 1 - (m.priorDeliveries ?? 0), ...(delayMs === undefined ? {} : { delayMs }) }));
