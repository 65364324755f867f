/** The few list commands cronsumer uses for its own bookkeeping (run reports). */
import { op } from "./ops.js";
import { int, parseOk } from "./parse-replies.js";

/** @see https://redis.io/commands/lpush */
export const lpushOp = (key: string, value: string) => op(["LPUSH", key, value], (r) => int("LPUSH", r));
/** @see https://redis.io/commands/ltrim */
export const ltrimOp = (key: string, start: number, stop: number) => op(["LTRIM", key, start, stop], (r) => parseOk("LTRIM", r));
/** @see https://redis.io/commands/lrange */
export const lrangeOp = (key: string, start: number, stop: number) =>
  op(["LRANGE", key, start, stop], (r) => (Array.isArray(r) ? r.map(String) : []));
/** @see https://redis.io/commands/lrem */
export const lremOp = (key: string, value: string) => op(["LREM", key, 1, value], (r) => int("LREM", r));
