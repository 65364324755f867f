/**
 * Idempotent enqueue as one Lua script: it reads the key's record and, only
 * when there is none, writes the messages and the record of their ids. Redis
 * runs a script atomically, so no timing (a write held in flight, a repeat
 * racing it, a lost answer) can make a key write twice: the check and the
 * write cannot be separated. One request, no marker, no expiry to outrun.
 *
 * It names every key in KEYS (the record, the stream and its wake lease, or
 * for a delayed enqueue the delayed set and payloads), so Upstash may run it
 * under key locks (see core/redis/script.ts).
 *
 * An immediate write can take the stream's wake lease in the same script
 * (wake-lease.ts `leaseLua`): one request per enqueue with wake-on-enqueue
 * too. Inside the script rather than in a MULTI around it: Upstash runs a
 * script queued in MULTI under its global lock whatever its flags, and a
 * repeat returns before the lease, so a write that wrote nothing neither
 * counts toward a window nor starts a session.
 */
import { RedisReplyError, TransportError } from "../core/redis/errors.js";
import { ReplyShapeError } from "../core/redis/parse-replies.js";
import { dueArgs, dueFrom, encodePayload, newDelayedId, REDIS_NOW_MS } from "../core/features/delayed.js";
import { delayedKey, delayedPayloadsKey } from "../core/redis/keys.js";
import { MAX_SCRIPT_FIELDS, refusedShebang, scriptText, UNPACK } from "../core/redis/script.js";
import type { Reply, Transport } from "../core/redis/transport.js";
import type { EnqueueRequest } from "./enqueue.js";
import { dueOf } from "./enqueue-delayed.js";
import { outcomeUnknown, RECORD_TTL_S } from "./idempotency-record.js";
import { WAKE_CAPACITY, leaseLua } from "../functions/wake-lease.js";
import { wakeLeaseKey } from "../core/redis/keys.js";

export { MAX_SCRIPT_FIELDS };

// KEYS: record, stream, its wake lease. ARGV: hash, maxlen or "", the lease's ms or "" for none,
// then per message its field count and its fields.
// Ids and the hex hash need no JSON escaping, so the record is spliced as text.
const BODY = `${UNPACK}local record = redis.call('GET', KEYS[1])
if record then return {0, record} end
local ids = {}
local i = 4
while i <= #ARGV do
  local last = i + 2 * tonumber(ARGV[i])
  if ARGV[2] == '' then
    ids[#ids + 1] = redis.call('XADD', KEYS[2], '*', unpack(ARGV, i + 1, last))
  else
    ids[#ids + 1] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, i + 1, last))
  end
  i = last + 1
end
redis.call('SET', KEYS[1], '{"state":"done","hash":"' .. ARGV[1] .. '","ids":["' .. table.concat(ids, '","') .. '"]}', 'EX', ${RECORD_TTL_S})
local starts = 0
if ARGV[3] ~= '' then
${leaseLua("KEYS[3]", "#ids", "ARGV[3]", String(WAKE_CAPACITY))}end
return {1, ids, starts}`;

export type ScriptOutcome =
  /** `wakes`: the write took its stream's wake lease and it says to start a session. */
  | { written: true; ids: string[]; wakes: boolean }
  | { written: false; record: string };

// The delayed form (delay.ts): KEYS record, delayed set, payloads. ARGV: hash, 'in' or 'at' and ms (the due
// time, a relative one counted on the Redis clock: core/delayed.ts `Due`), then per message its delayed id and
// payload. The ids are chosen by the caller, so the record can hold them.
const DELAYED_BODY = `local record = redis.call('GET', KEYS[1])
if record then return {0, record} end
${REDIS_NOW_MS}${dueFrom(2)}local ids = {}
for i = 4, #ARGV, 2 do
  redis.call('ZADD', KEYS[2], due, ARGV[i])
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  ids[#ids + 1] = ARGV[i]
end
redis.call('SET', KEYS[1], '{"state":"done","hash":"' .. ARGV[1] .. '","ids":["' .. table.concat(ids, '","') .. '"]}', 'EX', ${RECORD_TTL_S})
return {1, ids}`;

/** One script to send: what `runScripts` takes. */
export interface ScriptCall {
  body: string;
  keys: string[];
  args: string[];
}

/** The write under `redisKey`; `leaseMs` takes the stream's wake lease with it (an immediate write only: a delayed one wakes nothing). */
export function scriptCall(request: EnqueueRequest, redisKey: string, hash: string, leaseMs?: number): ScriptCall {
  if (request.delay !== undefined) {
    const args = [hash, ...dueArgs(dueOf(request.delay))];
    for (const m of request.messages) args.push(newDelayedId(), encodePayload(m));
    return { body: DELAYED_BODY, keys: [redisKey, delayedKey(request.stream), delayedPayloadsKey(request.stream)], args };
  }
  const args = [hash, request.maxlen === undefined ? "" : String(request.maxlen), leaseMs === undefined ? "" : String(Math.max(1, Math.floor(leaseMs)))];
  for (const m of request.messages) {
    const fields = Object.entries(m);
    args.push(String(fields.length), ...fields.flat());
  }
  return { body: BODY, keys: [redisKey, request.stream, wakeLeaseKey(request.stream)], args };
}

export async function enqueueByScript(t: Transport, request: EnqueueRequest, redisKey: string, hash: string, leaseMs?: number): Promise<ScriptOutcome> {
  const [settled] = await runScripts(t, [scriptCall(request, redisKey, hash, leaseMs)]);
  if (!settled!.ok) throw settled!.error;
  return settled!.value;
}

export type ScriptSettled = { ok: true; value: ScriptOutcome } | { ok: false; error: Error };

/**
 * Several scripts in one `/pipeline` request (a partitioned write's
 * partitions on one database), each settled on its own: a pipeline is not
 * atomic, but each script is. A transport failure leaves every outcome
 * unknown; a store refusing the shebang ran nothing, so those are sent again.
 */
export async function runScripts(t: Transport, calls: readonly ScriptCall[]): Promise<ScriptSettled[]> {
  const settled: (ScriptSettled | undefined)[] = calls.map(() => undefined);
  for (let waiting = calls.map((_, i) => i); waiting.length > 0; waiting = waiting.filter((i) => settled[i] === undefined)) {
    let outcomes;
    try {
      outcomes = await t.pipeline(waiting.map((i) => ["EVAL", scriptText(calls[i]!.body), calls[i]!.keys.length, ...calls[i]!.keys, ...calls[i]!.args]));
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      for (const i of waiting) settled[i] = { ok: false, error: outcomeUnknown(error) };
      break;
    }
    waiting.forEach((i, k) => {
      const outcome = outcomes[k];
      // Refused before running: nothing was written, so sending it again is safe.
      if (outcome && "error" in outcome) {
        if (!refusedShebang(outcome.error)) settled[i] = { ok: false, error: new RedisReplyError(outcome.error) };
        return;
      }
      try {
        settled[i] = { ok: true, value: parseReply(outcome?.result) };
      } catch (error) {
        settled[i] = { ok: false, error: error as Error };
      }
    });
  }
  return settled as ScriptSettled[];
}

function parseReply(reply: unknown): ScriptOutcome {
  if (Array.isArray(reply) && reply[0] === 1 && Array.isArray(reply[1]) && reply[1].every((id) => typeof id === "string")) {
    return { written: true, ids: reply[1] as string[], wakes: reply[2] === 1 };
  }
  if (Array.isArray(reply) && reply[0] === 0 && typeof reply[1] === "string") {
    return { written: false, record: reply[1] };
  }
  throw new ReplyShapeError("EVAL", reply as Reply);
}
