/**
 * Typed builders for the stream commands the project sends. Each returns an
 * `Op` (see `ops.ts`); optional arguments are pushed only when set, so the
 * command on the wire is exactly what Redis documents.
 * @see https://redis.io/docs/latest/commands/?group=stream
 */
import type { Op } from "./ops.js";
import { op } from "./ops.js";
import * as p from "./parse-replies.js";
import type { Fields } from "./parse-replies.js";
import type { Arg, Reply } from "./transport.js";

const integer = (command: string) => (r: Reply) => p.int(command, r);
const flatFields = (fields: Fields): string[] => Object.entries(fields).flat();

export type Trim = { strategy: "MAXLEN" | "MINID"; threshold: string | number; approximate?: boolean };

function trimArgs(trim: Trim | undefined): Arg[] {
  if (!trim) return [];
  return [trim.strategy, trim.approximate ? "~" : "=", trim.threshold];
}

/** @see https://redis.io/commands/xadd */
export function xadd(stream: string, fields: Fields, opts: { id?: string; trim?: Trim; noMkStream?: boolean } = {}): Op<string | null> {
  const args: Arg[] = [stream];
  if (opts.noMkStream) args.push("NOMKSTREAM");
  args.push(...trimArgs(opts.trim), opts.id ?? "*", ...flatFields(fields));
  // NOMKSTREAM answers nil when the stream does not exist.
  return op(["XADD", ...args], (r) => (r === null ? null : String(r)));
}

/**
 * @see https://redis.io/commands/xreadgroup (never BLOCK: not supported over REST).
 * `alsoStreams` are read with the same id; the reply lists the entries of `stream` only.
 */
export function xreadgroup(stream: string, group: string, consumer: string, opts: { count: number; id?: string; noAck?: boolean; alsoStreams?: string[] }) {
  const args: Arg[] = ["GROUP", group, consumer, "COUNT", opts.count];
  if (opts.noAck) args.push("NOACK");
  const streams = [stream, ...(opts.alsoStreams ?? [])];
  return op(["XREADGROUP", ...args, "STREAMS", ...streams, ...streams.map(() => opts.id ?? ">")], (r) => p.parseRead(r, stream));
}

/** @see https://redis.io/commands/xack */
export function xack(stream: string, group: string, ids: readonly string[]): Op<number> {
  return op(["XACK", stream, group, ...ids], integer("XACK"));
}

export interface ClaimOptions {
  idleMs?: number;
  timeMs?: number;
  retryCount?: number;
  force?: boolean;
}

function claimFlags(opts: ClaimOptions): Arg[] {
  const args: Arg[] = [];
  if (opts.idleMs !== undefined) args.push("IDLE", opts.idleMs);
  if (opts.timeMs !== undefined) args.push("TIME", opts.timeMs);
  if (opts.retryCount !== undefined) args.push("RETRYCOUNT", opts.retryCount);
  if (opts.force) args.push("FORCE");
  return args;
}

/** @see https://redis.io/commands/xclaim */
export function xclaim(stream: string, group: string, consumer: string, minIdleMs: number, ids: readonly string[], opts: ClaimOptions = {}) {
  return op(["XCLAIM", stream, group, consumer, minIdleMs, ...ids, ...claimFlags(opts)], (r) => p.parseEntries("XCLAIM", r));
}

/** XCLAIM … JUSTID: moves ownership and sets idle time without counting a delivery. */
export function xclaimJustId(stream: string, group: string, consumer: string, minIdleMs: number, ids: readonly string[], opts: ClaimOptions = {}) {
  return op(["XCLAIM", stream, group, consumer, minIdleMs, ...ids, ...claimFlags(opts), "JUSTID"], (r) => p.parseIds("XCLAIM", r));
}

/** @see https://redis.io/commands/xautoclaim */
export function xautoclaim(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number) {
  return op(["XAUTOCLAIM", stream, group, consumer, minIdleMs, start, "COUNT", count], p.parseAutoClaim);
}

/** @see https://redis.io/commands/xpending (summary form) */
export function xpendingSummary(stream: string, group: string) {
  return op(["XPENDING", stream, group], p.parsePendingSummary);
}

/** @see https://redis.io/commands/xpending (extended form) */
export function xpendingRange(
  stream: string,
  group: string,
  opts: { start?: string; end?: string; count: number; minIdleMs?: number; consumer?: string },
) {
  const args: Arg[] = [stream, group];
  if (opts.minIdleMs !== undefined) args.push("IDLE", opts.minIdleMs);
  args.push(opts.start ?? "-", opts.end ?? "+", opts.count);
  if (opts.consumer !== undefined) args.push(opts.consumer);
  return op(["XPENDING", ...args], p.parsePendingEntries);
}

/** @see https://redis.io/commands/xinfo-stream */
export const xinfoStream = (stream: string) => op(["XINFO", "STREAM", stream], p.parseStreamInfo);
/** @see https://redis.io/commands/xinfo-groups */
export const xinfoGroups = (stream: string) => op(["XINFO", "GROUPS", stream], p.parseGroupsInfo);
/** @see https://redis.io/commands/xinfo-consumers */
export const xinfoConsumers = (stream: string, group: string) => op(["XINFO", "CONSUMERS", stream, group], p.parseConsumersInfo);

/** @see https://redis.io/commands/xgroup-create */
export function xgroupCreate(stream: string, group: string, start: string, opts: { mkStream?: boolean } = {}) {
  const args: Arg[] = ["CREATE", stream, group, start];
  if (opts.mkStream) args.push("MKSTREAM");
  return op(["XGROUP", ...args], (r) => p.parseOk("XGROUP CREATE", r));
}

/** @see https://redis.io/commands/xgroup-setid */
export const xgroupSetId = (stream: string, group: string, id: string) =>
  op(["XGROUP", "SETID", stream, group, id], (r) => p.parseOk("XGROUP SETID", r));
/** @see https://redis.io/commands/xgroup-destroy */
export const xgroupDestroy = (stream: string, group: string) => op(["XGROUP", "DESTROY", stream, group], integer("XGROUP DESTROY"));
/** @see https://redis.io/commands/xgroup-createconsumer */
export const xgroupCreateConsumer = (stream: string, group: string, consumer: string) =>
  op(["XGROUP", "CREATECONSUMER", stream, group, consumer], integer("XGROUP CREATECONSUMER"));
/**
 * Deletes a consumer AND DROPS ITS PENDING ENTRIES from the group: they are
 * never delivered to this group again. Use `safe-delete-consumer.ts`.
 * @see https://redis.io/commands/xgroup-delconsumer
 */
export const xgroupDelConsumer = (stream: string, group: string, consumer: string) =>
  op(["XGROUP", "DELCONSUMER", stream, group, consumer], integer("XGROUP DELCONSUMER"));

/** @see https://redis.io/commands/xlen */
export const xlen = (stream: string) => op(["XLEN", stream], integer("XLEN"));

/** @see https://redis.io/commands/xrange */
export function xrange(stream: string, start = "-", end = "+", count?: number) {
  const args: Arg[] = [stream, start, end];
  if (count !== undefined) args.push("COUNT", count);
  return op(["XRANGE", ...args], (r) => p.parseEntries("XRANGE", r));
}

/** @see https://redis.io/commands/xrevrange */
export function xrevrange(stream: string, end = "+", start = "-", count?: number) {
  const args: Arg[] = [stream, end, start];
  if (count !== undefined) args.push("COUNT", count);
  return op(["XREVRANGE", ...args], (r) => p.parseEntries("XREVRANGE", r));
}

/** @see https://redis.io/commands/xdel */
export const xdel = (stream: string, ids: readonly string[]) => op(["XDEL", stream, ...ids], integer("XDEL"));

/** @see https://redis.io/commands/xtrim */
export const xtrim = (stream: string, trim: Trim) => op(["XTRIM", stream, ...trimArgs(trim)], integer("XTRIM"));
