/**
 * Promotion: moves due delayed messages (delayed.ts) into their stream, and
 * answers the group's pending count, in one script. A run of a function with
 * `delays: true` sends it in place of the first request's `XPENDING`, so its
 * idle tick stays one request of two commands, and the `XREADGROUP` after it
 * in the same pipeline already reads what it promoted.
 *
 * Exactly once by construction: for each due id the script XADDs the payload
 * and removes the id from the set and the hash, and Redis runs a script
 * whole, without interleaving. Two runs promoting at once take turns (the
 * second finds nothing due); a connection dropped around the request leaves
 * the script run or not run. Should an XADD fail inside (out of memory), the
 * script stops there: every id before it was moved whole, and it and those
 * after it stay delayed.
 *
 * The summary comes first, and a missing group (NOGROUP) answers before
 * anything moves, so the run can create the group and send it again.
 * Due is judged by the Redis server's clock (`TIME`), the clock every
 * relative due time was counted on when it was written (delayed.ts `Due`):
 * no producer's, API's or runner's clock can make a message early.
 */
import { delayedKey, delayedPayloadsKey } from "../redis/keys.js";
import { REDIS_NOW_MS } from "./delayed.js";
import { op } from "../redis/ops.js";
import { int, ReplyShapeError } from "../redis/parse-replies.js";
import { scriptText, UNPACK } from "../redis/script.js";

/** Due messages one promotion moves at most; the rest follow in the next run's. */
export const PROMOTE_LIMIT = 500;

// KEYS: stream, delayed set, payloads. ARGV: group, (unused), limit.
// Nothing delayed, or nothing due yet: no TIME and no ZRANGEBYSCORE, so an idle tick pays one lookup.
const BODY = `${UNPACK}local summary = redis.pcall('XPENDING', KEYS[1], ARGV[1])
if type(summary) == 'table' and summary.err then return summary end
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #first == 0 then return {summary[1], 0} end
${REDIS_NOW_MS}if tonumber(first[2]) > now then return {summary[1], 0} end
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, ARGV[3])
local promoted = 0
for _, id in ipairs(due) do
  local payload = redis.call('HGET', KEYS[3], id)
  if payload then
    local fields = {}
    local i = 1
    while i <= #payload do
      local colon = string.find(payload, ':', i, true)
      local length = tonumber(string.sub(payload, i, colon - 1))
      fields[#fields + 1] = string.sub(payload, colon + 1, colon + length)
      i = colon + length + 1
    end
    redis.call('XADD', KEYS[1], '*', unpack(fields))
    promoted = promoted + 1
  end
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
end
return {summary[1], promoted}`;

export interface Promoted {
  /** The group's pending count, as XPENDING's summary gives it, before promotion. */
  pending: number;
  promoted: number;
}

/** `_now`: ignored (due is judged on the Redis clock); kept while first-request.ts passes the runner's. */
export function promoteOp(stream: string, group: string, limit = PROMOTE_LIMIT) {
  return op(["EVAL", scriptText(BODY), 3, stream, delayedKey(stream), delayedPayloadsKey(stream), group, 0, limit], (r): Promoted => {
    if (!Array.isArray(r) || r.length !== 2) throw new ReplyShapeError("EVAL promote", r);
    return { pending: int("EVAL promote", r[0]), promoted: int("EVAL promote", r[1]) };
  });
}
