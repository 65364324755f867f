/**
 * An ordered run's first request: one EVAL that takes the lease, and only
 * when it got it, reads. Pipelines cannot make a read depend on a lease, and
 * a read by a run without the lease would hand later messages of a key to a
 * second run while the first still handles earlier ones. So:
 *
 * - Paused (the pause gate is a string): stop, holding nothing.
 * - `SET lease token NX PX leaseMs`; refused: another run consumes, stop.
 * - `XPENDING` summary. Anything pending: return the held keys (held.ts),
 *   dropping heads no longer pending, and read nothing: recovery comes first,
 *   in id order, so a message reclaimed after a crash is handled before any
 *   later message of its key is read.
 * - Nothing pending: nothing is held (the hash is deleted), and the script
 *   reads like any first read (`… STREAMS <stream> <gate> > >`). Nothing new:
 *   the lease is released in the same script, so an idle tick stays one
 *   request of one command.
 *
 * Lua written for 5.1 and 5.4 alike: no floats are formatted, every key is in KEYS.
 */
import { RedisReplyError } from "../../redis/errors.js";
import { gateKey, orderedHeldKey, orderedLeaseKey, pauseKey } from "../../redis/keys.js";
import type { StreamEntry } from "../../redis/parse-replies.js";
import { parseRead, ReplyShapeError } from "../../redis/parse-replies.js";
import type { Reply, Transport } from "../../redis/transport.js";

// KEYS: stream, lease, held, gate, pause gate. ARGV: group, consumer, token, lease ms, count.
// A paused function (pause.ts: the gate is then a string) takes no lease and reads nothing.
export const START_SCRIPT = `if redis.call('TYPE', KEYS[5]).ok == 'string' then return {3} end
if not redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return {0} end
local summary = redis.pcall('XPENDING', KEYS[1], ARGV[1])
if summary.err then redis.call('DEL', KEYS[2]) return {2, summary.err} end
if summary[1] > 0 then
  local flat = redis.call('HGETALL', KEYS[3])
  local out = {}
  for i = 1, #flat, 2 do
    local due = nil
    local ids = {}
    for w in string.gmatch(flat[i + 1], '%S+') do
      if due == nil then due = w else table.insert(ids, w) end
    end
    local first = 1
    while first <= #ids and #redis.call('XPENDING', KEYS[1], ARGV[1], ids[first], ids[first], 1) == 0 do first = first + 1 end
    if first > #ids then
      redis.call('HDEL', KEYS[3], flat[i])
    else
      local value = due
      for j = first, #ids do value = value .. ' ' .. ids[j] end
      if first > 1 then redis.call('HSET', KEYS[3], flat[i], value) end
      table.insert(out, flat[i])
      table.insert(out, value)
    end
  end
  return {1, summary[1], out}
end
redis.call('DEL', KEYS[3])
if ARGV[5] == '0' then return {1, 0, {}} end
local read = redis.pcall('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[5], 'STREAMS', KEYS[1], KEYS[4], '>', '>')
if type(read) == 'table' and read.err then return {1, 0, {}, false, read.err} end
if not read then
  redis.call('DEL', KEYS[2])
  return {1, 0, {}, false, false, 1}
end
return {1, 0, {}, read}`;

export type OrderedStart =
  | { leased: false; paused?: boolean }
  | { leased: true; missingGroup: true }
  | {
      leased: true;
      missingGroup?: false;
      pendingAtStart: number;
      /** HGETALL-shaped held keys, already healed. */
      held: string[];
      /** Undefined when nothing was read (something pending, no budget, the gate closed, the read refused, nothing new). */
      entries: StreamEntry[] | undefined;
      readError?: string;
      /** The script gave the lease back: nothing was pending and nothing new was read. */
      released: boolean;
    };

export interface LeaseTarget {
  stream: string;
  group: string;
  consumer: string;
}

export async function orderedStart(t: Transport, target: LeaseTarget, token: string, leaseMs: number, count: number): Promise<OrderedStart> {
  const keys = [target.stream, orderedLeaseKey(target.stream, target.group), orderedHeldKey(target.stream, target.group), gateKey(target.stream), pauseKey(target.stream, target.group)];
  const [outcome] = await t.pipeline([["EVAL", START_SCRIPT, keys.length, ...keys, target.group, target.consumer, token, String(leaseMs), String(count)]]);
  if (!outcome || "error" in outcome) {
    const error = outcome && "error" in outcome ? outcome.error : "no reply";
    if (/^ERR unknown command/i.test(error)) throw new RedisReplyError(`ordered consumption needs Lua (EVAL), which this store lacks: ${error}`);
    throw new RedisReplyError(error);
  }
  return parseStart(outcome.result, target.stream);
}

function parseStart(r: Reply, stream: string): OrderedStart {
  if (!Array.isArray(r) || typeof r[0] !== "number") throw new ReplyShapeError("EVAL", r);
  if (r[0] === 0) return { leased: false };
  if (r[0] === 3) return { leased: false, paused: true };
  if (r[0] === 2) {
    if (typeof r[1] === "string" && r[1].startsWith("NOGROUP")) return { leased: true, missingGroup: true };
    throw new RedisReplyError(String(r[1]));
  }
  const [, pending, held, read, readError, released] = r;
  if (typeof pending !== "number" || !Array.isArray(held)) throw new ReplyShapeError("EVAL", r);
  const entries = Array.isArray(read) ? parseRead(read, stream) : undefined;
  return {
    leased: true,
    pendingAtStart: pending,
    held: held.map(String),
    entries,
    ...(typeof readError === "string" ? { readError } : {}),
    released: released === 1,
  };
}
