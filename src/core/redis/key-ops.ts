/**
 * The few plain key commands cronsumer uses for its own bookkeeping outside
 * a run: enqueue idempotency records, replay locks, and the health check.
 */
import { op } from "./ops.js";
import { int, ReplyShapeError } from "./parse-replies.js";

/** `SET key value NX EX seconds`: true when this call set it, false when the key already existed. @see https://redis.io/commands/set */
export const setNxOp = (key: string, value: string, ttlSeconds: number) =>
  op(["SET", key, value, "NX", "EX", ttlSeconds], (r) => r === "OK");

/** `SET key value EX seconds`. @see https://redis.io/commands/set */
export const setOp = (key: string, value: string, ttlSeconds: number) =>
  op(["SET", key, value, "EX", ttlSeconds], (r) => {
    if (r !== "OK") throw new ReplyShapeError("SET", r);
    return true as const;
  });

/** @see https://redis.io/commands/get */
export const getOp = (key: string) => op(["GET", key], (r) => (r === null ? null : String(r)));

/** Milliseconds the key has left; -1 without expiry, -2 when it does not exist. @see https://redis.io/commands/pttl */
export const pttlOp = (key: string) => op(["PTTL", key], (r) => int("PTTL", r));

/** @see https://redis.io/commands/del */
export const delOp = (keys: readonly string[]) => op(["DEL", ...keys], (r) => int("DEL", r));

/** @see https://redis.io/commands/ping */
export const pingOp = () =>
  op(["PING"], (r) => {
    if (r !== "PONG") throw new ReplyShapeError("PING", r);
    return true as const;
  });
