/**
 * Stream IDs: two unsigned 64-bit halves, kept as bigint because real IDs
 * (milliseconds) and the `18446744073709551615-…` extremes do not fit a JS
 * number. Parsing follows t_stream.c's streamGenericParseIDOrReply, including
 * its string2ull quirks (" 7", "+7" and "007" are accepted, "-7" is not).
 */
import { fail, INVALID_STREAM_ID } from "./errors.js";

export interface StreamId {
  readonly ms: bigint;
  readonly seq: bigint;
}

export const U64_MAX = (1n << 64n) - 1n;
export const MIN_ID: StreamId = { ms: 0n, seq: 0n };
export const MAX_ID: StreamId = { ms: U64_MAX, seq: U64_MAX };

export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

export function isZeroId(id: StreamId): boolean {
  return id.ms === 0n && id.seq === 0n;
}

/** The next ID, or null past the last possible one (streamIncrID's C_ERR). */
export function incrId(id: StreamId): StreamId | null {
  if (id.seq < U64_MAX) return { ms: id.ms, seq: id.seq + 1n };
  if (id.ms < U64_MAX) return { ms: id.ms + 1n, seq: 0n };
  return null;
}

export function decrId(id: StreamId): StreamId | null {
  if (id.seq > 0n) return { ms: id.ms, seq: id.seq - 1n };
  if (id.ms > 0n) return { ms: id.ms - 1n, seq: U64_MAX };
  return null;
}

const CANONICAL = /^(0|-?[1-9][0-9]*)$/;
const STRTOULL = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;
const I64_MAX = (1n << 63n) - 1n;

/** Redis's string2ull: string2ll first, then strtoull's laxer grammar. */
export function parseU64(text: string): bigint | null {
  if (CANONICAL.test(text) && text.length < 21) {
    const value = BigInt(text);
    if (value <= I64_MAX && value >= -I64_MAX - 1n) return value < 0n ? null : value;
  }
  const match = STRTOULL.exec(text);
  if (!match) return null;
  const magnitude = BigInt(match[2]!);
  if (magnitude > U64_MAX) return null;
  // strtoull negates in unsigned arithmetic: "-01" is 2^64-1.
  return match[1] === "-" ? (U64_MAX + 1n - magnitude) & U64_MAX : magnitude;
}

export interface ParsedId {
  id: StreamId;
  /** False for `<ms>-*`, whose sequence XADD picks. */
  seqGiven: boolean;
}

interface ParseOptions {
  /** Strict IDs refuse the `-` and `+` shorthands. */
  strict: boolean;
  /** Sequence used when only `<ms>` is given. */
  missingSeq?: bigint;
  /** XADD alone accepts `<ms>-*`. */
  seqWildcard?: boolean;
}

export function parseIdWith(text: string, options: ParseOptions): ParsedId {
  const { strict, missingSeq = 0n, seqWildcard = false } = options;
  if (Buffer.byteLength(text) > 127) fail(INVALID_STREAM_ID);
  if (text === "-" || text === "+") {
    if (strict) fail(INVALID_STREAM_ID);
    return { id: text === "-" ? MIN_ID : MAX_ID, seqGiven: true };
  }
  const dash = text.indexOf("-");
  const ms = parseU64(dash === -1 ? text : text.slice(0, dash));
  if (ms === null) fail(INVALID_STREAM_ID);
  if (dash === -1) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const rest = text.slice(dash + 1);
  if (seqWildcard && rest === "*") return { id: { ms, seq: 0n }, seqGiven: false };
  const seq = parseU64(rest);
  if (seq === null) fail(INVALID_STREAM_ID);
  return { id: { ms, seq }, seqGiven: true };
}

/** An exact ID: no `-`/`+`, missing sequence is 0 (XACK, XDEL, XREAD …). */
export function parseStrictId(text: string): StreamId {
  return parseIdWith(text, { strict: true }).id;
}

/** Like parseStrictId, but returns null instead of failing (XCLAIM's ID scan). */
export function tryParseStrictId(text: string): StreamId | null {
  try {
    return parseStrictId(text);
  } catch {
    return null;
  }
}

export interface IntervalId {
  id: StreamId;
  exclusive: boolean;
}

/** A range bound: `-`, `+`, `(id` (exclusive, strict) or a plain ID. */
export function parseIntervalId(text: string, missingSeq: bigint): IntervalId {
  if (text.length > 1 && text.startsWith("(")) {
    return { id: parseIdWith(text.slice(1), { strict: true, missingSeq }).id, exclusive: true };
  }
  return { id: parseIdWith(text, { strict: false, missingSeq }).id, exclusive: false };
}

/** An inclusive lower bound, resolving `(` as streamIncrID does. */
export function parseRangeStart(text: string): StreamId {
  const { id, exclusive } = parseIntervalId(text, 0n);
  if (!exclusive) return id;
  return incrId(id) ?? fail("ERR invalid start ID for the interval");
}

/** An inclusive upper bound, resolving `(` as streamDecrID does. */
export function parseRangeEnd(text: string): StreamId {
  const { id, exclusive } = parseIntervalId(text, U64_MAX);
  if (!exclusive) return id;
  return decrId(id) ?? fail("ERR invalid end ID for the interval");
}

/** Two's-complement view of a 64-bit difference, as listpacks store it. */
export function signed64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}
