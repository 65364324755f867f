/**
 * Redis error replies that mean "not there", turned into 404s that name what
 * is missing. Anything else stays a `RedisReplyError` (502).
 */
import { RedisReplyError } from "../core/redis/errors.js";
import type { Settled } from "../core/redis/ops.js";
import { ApiError } from "./errors.js";

/** XINFO, XPENDING, XGROUP on a key that does not exist. */
export const isMissingKey = (message: string): boolean => message.startsWith("ERR no such key") || message.includes("requires the key to exist");

const isMissingGroup = (message: string): boolean => message.startsWith("NOGROUP") || isMissingKey(message);

export const groupNotFound = (stream: string, group: string) =>
  new ApiError(404, "group_not_found", `stream ${JSON.stringify(stream)} has no consumer group ${JSON.stringify(group)}`);

/** Runs `work`; a missing stream or group becomes 404 `group_not_found`. */
export async function inGroup<T>(stream: string, group: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RedisReplyError && isMissingGroup(error.message)) throw groupNotFound(stream, group);
    throw error;
  }
}

/** A settled reply of a view's pipeline: a missing stream or group reads as absent; any other Redis error is a 502. */
export function orMissing<T>(r: Settled<T>): T | undefined {
  if (r.ok) return r.value;
  if (isMissingGroup(r.error)) return undefined;
  throw new RedisReplyError(r.error);
}

/** Runs `work`; a missing stream answers `empty` instead. */
export async function orIfMissing<T>(work: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RedisReplyError && isMissingKey(error.message)) return empty;
    throw error;
  }
}
