/**
 * An ordered run's first request: one EVAL that takes the lease, and only
 * when it got it, reads. Pipelines cannot make a read depend on a lease, and
 * a read by a run without the lease would hand later messages of a key to a
 * second run while the first still handles earlier ones. So:
 *
 * - Paused (the pause gate is a string): stop, holding nothing. Never
 *   opened (a group made by hand or by an older version): opened here, or
 *   every later read of the run would fail with NOGROUP.
 * - `SET lease token NX PX leaseMs`; refused: another run consumes, stop.
 * - `XPENDING` summary. Anything pending: return the held keys (held.ts),
 *   dropping heads no longer pending, and read nothing: recovery comes first,
 *   in id order, so a message reclaimed after a crash is handled before any
 *   later message of its key is read.
 * - Orphans: this run took the lease, so every run that read before it has
 *   lost its own, and the fence (fence.ts) refuses their writes. A pending
 *   entry that no key holds was read by such a run; a held one less idle
 *   than its key's due time says was claimed by such a run (claiming resets
 *   idle time) whose commit never landed. Either is given back the idle time
 *   its schedule says (`XCLAIM … IDLE … JUSTID`, no delivery counted): at
 *   once for an orphan, at its key's due time for a held one. So a failed
 *   commit costs the next tick, not a visibility timeout.
 * - Nothing pending: nothing is held (the hash is deleted), and the script
 *   reads like any first read (`… STREAMS <stream> <pause gate> <gate> > > >`).
 *   A NOGROUP is the pause gate's when opening it succeeds (then it reads
 *   again), else the closed backpressure gate's. Nothing new: the lease is
 *   released in the same script, so an idle tick stays one request of one
 *   command.
 *
 * Lua written for 5.1 and 5.4 alike: no floats are formatted, every key is in KEYS.
 */
import { RedisReplyError } from "../../redis/errors.js";
import { gateKey, orderedHeldKey, orderedLeaseKey, pauseKey } from "../../redis/keys.js";
import type { StreamEntry } from "../../redis/parse-replies.js";
import { parseRead, ReplyShapeError } from "../../redis/parse-replies.js";
import { UNPACK } from "../../redis/script.js";
import type { Reply, Transport } from "../../redis/transport.js";

/** Pending entries the start script looks through for orphans; deeper ones wait for the visibility timeout. */
export const ORPHANS_LISTED = 1_000;
/** An entry less idle than its schedule by more than this was claimed by a run whose commit never landed. */
export const SCHEDULE_SLACK_MS = 1_000;

// KEYS: stream, lease, held, gate, pause gate.
// ARGV: group, consumer, token, lease ms, count, visibility ms, orphans listed at most, now (unix ms, the clock held due times are on).
// A paused function (pause.ts: the gate is then a string) takes no lease and reads nothing.
export const START_SCRIPT = `${UNPACK}local pause = redis.call('TYPE', KEYS[5]).ok
if pause == 'string' then return {3} end
if not redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return {0} end
local summary = redis.pcall('XPENDING', KEYS[1], ARGV[1])
if summary.err then redis.call('DEL', KEYS[2]) return {2, summary.err} end
if pause == 'none' then redis.pcall('XGROUP', 'CREATE', KEYS[5], ARGV[1], '$', 'MKSTREAM') end
if summary[1] > 0 then
  local flat = redis.call('HGETALL', KEYS[3])
  local out = {}
  local dueOf = {}
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
      for j = first, #ids do
        value = value .. ' ' .. ids[j]
        dueOf[ids[j]] = tonumber(due) or 0
      end
      if first > 1 then redis.call('HSET', KEYS[3], flat[i], value) end
      table.insert(out, flat[i])
      table.insert(out, value)
    end
  end
  local vt = tonumber(ARGV[6])
  local now = tonumber(ARGV[8])
  local wants = {}
  local fix = {}
  for _, p in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', ARGV[7])) do
    local want = vt
    if dueOf[p[1]] then want = math.max(0, vt - math.max(0, dueOf[p[1]] - now)) end
    if p[3] + ${SCHEDULE_SLACK_MS} < want then
      if not fix[want] then
        fix[want] = {}
        table.insert(wants, want)
      end
      table.insert(fix[want], p[1])
    end
  end
  for _, want in ipairs(wants) do
    local ids = fix[want]
    for i = 1, #ids, 100 do
      local claim = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
      for j = i, math.min(i + 99, #ids) do table.insert(claim, ids[j]) end
      table.insert(claim, 'IDLE')
      table.insert(claim, string.format('%d', want))
      table.insert(claim, 'JUSTID')
      redis.call(unpack(claim))
    end
  end
  return {1, summary[1], out}
end
redis.call('DEL', KEYS[3])
if ARGV[5] == '0' then return {1, 0, {}} end
local function read()
  return redis.pcall('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[5], 'STREAMS', KEYS[1], KEYS[5], KEYS[4], '>', '>', '>')
end
local got = read()
if type(got) == 'table' and got.err and string.sub(got.err, 1, 7) == 'NOGROUP' then
  local opened = redis.pcall('XGROUP', 'CREATE', KEYS[5], ARGV[1], '$', 'MKSTREAM')
  if type(opened) == 'table' and opened.ok then got = read() end
end
if type(got) == 'table' and got.err then return {1, 0, {}, false, got.err} end
if not got then
  redis.call('DEL', KEYS[2])
  return {1, 0, {}, false, false, 1}
end
return {1, 0, {}, got}`;

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
      /** The read met the closed backpressure gate (NOGROUP once the pause gate is known open). */
      gateClosed: boolean;
      /** The script gave the lease back: nothing was pending and nothing new was read. */
      released: boolean;
    };

export interface LeaseTarget {
  stream: string;
  group: string;
  consumer: string;
}

export async function orderedStart(t: Transport, target: LeaseTarget, token: string, leaseMs: number, count: number, visibilityTimeoutMs: number, now: number): Promise<OrderedStart> {
  const keys = [target.stream, orderedLeaseKey(target.stream, target.group), orderedHeldKey(target.stream, target.group), gateKey(target.stream), pauseKey(target.stream, target.group)];
  const [outcome] = await t.pipeline([["EVAL", START_SCRIPT, keys.length, ...keys, target.group, target.consumer, token, String(leaseMs), String(count), String(visibilityTimeoutMs), String(ORPHANS_LISTED), String(Math.floor(now))]]);
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
    gateClosed: typeof readError === "string" && readError.startsWith("NOGROUP"),
    released: released === 1,
  };
}
