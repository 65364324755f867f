/**
 * Reply parsers for the stream commands, written against every shape met in
 * the field: Redis 7 and 6.2, and Upstash. Each parser is total over those
 * shapes and throws `ReplyShapeError` on anything else, so a surprise is loud
 * instead of a silently dropped message.
 *
 * Field values stay strings: the engine never JSON-parses them (unlike the
 * client's `automaticDeserialization`), so "42" reaches a handler as "42".
 */
import type { Reply } from "./transport.js";

export class ReplyShapeError extends Error {
  constructor(command: string, reply: unknown) {
    super(`unexpected ${command} reply: ${JSON.stringify(reply)?.slice(0, 300)}`);
    this.name = "ReplyShapeError";
  }
}

export type Fields = Record<string, string>;
/** A stream entry. `fields` is null when the entry was deleted or trimmed but its id is still pending. */
export interface StreamEntry {
  id: string;
  fields: Fields | null;
}

const isArray = (r: unknown): r is Reply[] => Array.isArray(r);

function str(command: string, r: Reply | undefined): string {
  if (typeof r === "string") return r;
  if (typeof r === "number") return String(r);
  throw new ReplyShapeError(command, r);
}

/** Integers arrive as JSON numbers, but some replies (XPENDING per-consumer counts) carry them as strings. */
export function int(command: string, r: Reply | undefined): number {
  const n = typeof r === "string" && /^-?\d+$/.test(r) ? Number(r) : r;
  if (typeof n === "number" && Number.isFinite(n)) return n;
  throw new ReplyShapeError(command, r);
}

function intOrNull(command: string, r: Reply | undefined): number | null {
  return r === null || r === undefined ? null : int(command, r);
}

export function parseFields(command: string, r: Reply | undefined): Fields | null {
  if (r === null || r === undefined) return null;
  if (!isArray(r) || r.length % 2 !== 0) throw new ReplyShapeError(command, r);
  const fields: Fields = {};
  for (let i = 0; i < r.length; i += 2) fields[str(command, r[i])] = str(command, r[i + 1]);
  return fields;
}

export function parseEntry(command: string, r: Reply): StreamEntry {
  if (!isArray(r) || r.length !== 2) throw new ReplyShapeError(command, r);
  return { id: str(command, r[0]), fields: parseFields(command, r[1]) };
}

/** XRANGE, XREVRANGE, XCLAIM: a list of entries; nil means none. */
export function parseEntries(command: string, r: Reply): StreamEntry[] {
  if (r === null) return [];
  if (!isArray(r)) throw new ReplyShapeError(command, r);
  return r.map((e) => parseEntry(command, e));
}

/** XCLAIM … JUSTID: a list of ids. */
export function parseIds(command: string, r: Reply): string[] {
  if (r === null) return [];
  if (!isArray(r)) throw new ReplyShapeError(command, r);
  return r.map((id) => str(command, id));
}

/**
 * XREADGROUP / XREAD for one stream: nil when nothing is there (Redis), an
 * empty array (some proxies), or `[[stream, entries]]`.
 */
export function parseRead(r: Reply, only?: string): StreamEntry[] {
  if (r === null) return [];
  if (!isArray(r)) throw new ReplyShapeError("XREADGROUP", r);
  const entries: StreamEntry[] = [];
  for (const perStream of r) {
    if (!isArray(perStream) || perStream.length !== 2) throw new ReplyShapeError("XREADGROUP", r);
    if (only !== undefined && str("XREADGROUP", perStream[0]) !== only) continue;
    entries.push(...parseEntries("XREADGROUP", perStream[1] ?? null));
  }
  return entries;
}

export interface AutoClaimReply {
  /** Where the next scan starts; "0-0" means the scan wrapped. */
  cursor: string;
  /** Claimed entries that still exist. */
  claimed: StreamEntry[];
  /**
   * Pending ids whose entries were deleted or trimmed. Redis 7 lists them as a
   * third element and has already purged them from the PEL.
   */
  deleted: string[];
  /**
   * Positions (in claim order) of entries Redis 6.2 returned without a payload,
   * as a bare nil or `[id, nil]`. 6.2 keeps them pending (now claimed by us),
   * so they must be XACKed; a bare nil carries no id, which the caller finds
   * by position in the XPENDING listing sent just before in the same MULTI.
   */
  nilPositions: { index: number; id: string | null }[];
}

export function parseAutoClaim(r: Reply): AutoClaimReply {
  if (!isArray(r) || (r.length !== 2 && r.length !== 3)) throw new ReplyShapeError("XAUTOCLAIM", r);
  const cursor = str("XAUTOCLAIM", r[0]);
  const list = r[1] ?? null;
  if (list !== null && !isArray(list)) throw new ReplyShapeError("XAUTOCLAIM", r);
  const claimed: StreamEntry[] = [];
  const nilPositions: AutoClaimReply["nilPositions"] = [];
  (list ?? []).forEach((item, index) => {
    if (item === null) return nilPositions.push({ index, id: null });
    const entry = parseEntry("XAUTOCLAIM", item);
    if (entry.fields === null) nilPositions.push({ index, id: entry.id });
    else claimed.push(entry);
  });
  const deleted = r.length === 3 ? parseIds("XAUTOCLAIM", r[2] ?? null) : [];
  return { cursor, claimed, deleted, nilPositions };
}

export interface PendingSummary {
  count: number;
  smallestId: string | null;
  largestId: string | null;
  consumers: { name: string; pending: number }[];
}

export function parsePendingSummary(r: Reply): PendingSummary {
  if (!isArray(r) || r.length !== 4) throw new ReplyShapeError("XPENDING", r);
  const [count, smallest, largest, consumers] = r;
  const list = consumers === null || consumers === undefined ? [] : consumers;
  if (!isArray(list)) throw new ReplyShapeError("XPENDING", r);
  return {
    count: int("XPENDING", count),
    smallestId: smallest === null ? null : str("XPENDING", smallest),
    largestId: largest === null ? null : str("XPENDING", largest),
    consumers: list.map((c) => {
      if (!isArray(c) || c.length !== 2) throw new ReplyShapeError("XPENDING", r);
      return { name: str("XPENDING", c[0]), pending: int("XPENDING", c[1]) };
    }),
  };
}

export interface PendingEntry {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

export function parsePendingEntries(r: Reply): PendingEntry[] {
  if (r === null) return [];
  if (!isArray(r)) throw new ReplyShapeError("XPENDING", r);
  return r.map((e) => {
    if (!isArray(e) || e.length !== 4) throw new ReplyShapeError("XPENDING", r);
    return {
      id: str("XPENDING", e[0]),
      consumer: str("XPENDING", e[1]),
      idleMs: int("XPENDING", e[2]),
      deliveries: int("XPENDING", e[3]),
    };
  });
}

/** XINFO replies are flat `[key, value, key, value …]` arrays in RESP2. */
function pairs(command: string, r: Reply | undefined): Map<string, Reply> {
  if (!isArray(r) || r.length % 2 !== 0) throw new ReplyShapeError(command, r);
  const map = new Map<string, Reply>();
  for (let i = 0; i < r.length; i += 2) map.set(str(command, r[i]), r[i + 1] ?? null);
  return map;
}

export interface StreamInfo {
  length: number;
  lastGeneratedId: string;
  groups: number;
  firstEntry: StreamEntry | null;
  lastEntry: StreamEntry | null;
  /** Redis 7 only; null elsewhere. */
  entriesAdded: number | null;
  maxDeletedEntryId: string | null;
}

export function parseStreamInfo(r: Reply): StreamInfo {
  const m = pairs("XINFO STREAM", r);
  const entry = (key: string) => {
    const v = m.get(key);
    return v === null || v === undefined ? null : parseEntry("XINFO STREAM", v);
  };
  const optional = m.get("max-deleted-entry-id");
  return {
    length: int("XINFO STREAM", m.get("length")),
    lastGeneratedId: str("XINFO STREAM", m.get("last-generated-id")),
    groups: int("XINFO STREAM", m.get("groups")),
    firstEntry: entry("first-entry"),
    lastEntry: entry("last-entry"),
    entriesAdded: intOrNull("XINFO STREAM", m.get("entries-added")),
    maxDeletedEntryId: optional === null || optional === undefined ? null : str("XINFO STREAM", optional),
  };
}

export interface GroupInfo {
  name: string;
  consumers: number;
  pending: number;
  lastDeliveredId: string;
  /** Redis 7 only: null on 6.2, and `lag` is also null when Redis cannot compute it. */
  entriesRead: number | null;
  lag: number | null;
}

export function parseGroupsInfo(r: Reply): GroupInfo[] {
  if (r === null) return [];
  if (!isArray(r)) throw new ReplyShapeError("XINFO GROUPS", r);
  return r.map((g) => {
    const m = pairs("XINFO GROUPS", g);
    return {
      name: str("XINFO GROUPS", m.get("name")),
      consumers: int("XINFO GROUPS", m.get("consumers")),
      pending: int("XINFO GROUPS", m.get("pending")),
      lastDeliveredId: str("XINFO GROUPS", m.get("last-delivered-id")),
      entriesRead: intOrNull("XINFO GROUPS", m.get("entries-read")),
      lag: intOrNull("XINFO GROUPS", m.get("lag")),
    };
  });
}

export interface ConsumerInfo {
  name: string;
  pending: number;
  idleMs: number;
  /** Redis 7.2+: ms since the last successful interaction; null before. */
  inactiveMs: number | null;
}

export function parseConsumersInfo(r: Reply): ConsumerInfo[] {
  if (r === null) return [];
  if (!isArray(r)) throw new ReplyShapeError("XINFO CONSUMERS", r);
  return r.map((c) => {
    const m = pairs("XINFO CONSUMERS", c);
    return {
      name: str("XINFO CONSUMERS", m.get("name")),
      pending: int("XINFO CONSUMERS", m.get("pending")),
      idleMs: int("XINFO CONSUMERS", m.get("idle")),
      inactiveMs: intOrNull("XINFO CONSUMERS", m.get("inactive")),
    };
  });
}

export function parseOk(command: string, r: Reply): true {
  if (r === "OK") return true;
  throw new ReplyShapeError(command, r);
}
