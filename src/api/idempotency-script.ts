/**
 * Idempotent enqueue as one Lua script: it reads the key's record and, only
 * when there is none, writes the messages and the record of their ids. Redis
 * runs a script atomically, so no timing (a write held in flight, a repeat
 * racing it, a lost answer) can make a key write twice: the check and the
 * write cannot be separated. One request, no marker, no expiry to outrun.
 *
 * It names every key in KEYS (the record and the stream, or for a delayed
 * enqueue the delayed set and payloads), so Upstash may run it under key
 * locks (see core/redis/script.ts).
 */
import { RedisReplyError, TransportError } from "../core/redis/errors.js";
import { ReplyShapeError } from "../core/redis/parse-replies.js";
import { dueArgs, dueFrom, encodePayload, newDelayedId, REDIS_NOW_MS } from "../core/features/delayed.js";
import { delayedKey, delayedPayloadsKey } from "../core/redis/keys.js";
import { MAX_SCRIPT_FIELDS, refusedShebang, scriptText, UNPACK } from "../core/redis/script.js";
import type { Reply, Transport } from "../core/redis/transport.js";
import type { EnqueueRequest } from "./enqueue.js";
import { dueOf } from "./enqueue-delayed.js";
import { writeStream } from "./lane-target.js";
import { outcomeUnknown, RECORD_TTL_S } from "./idempotency-record.js";

export { MAX_SCRIPT_FIELDS };

// ARGV: hash, maxlen or "", then per message its field count and its fields.
// Ids and the hex hash need no JSON escaping, so the record is spliced as text.
const BODY = `${UNPACK}local record = redis.call('GET', KEYS[1])
if record then return {0, record} end
local ids = {}
local i = 3
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
return {1, ids}`;

export type ScriptOutcome =
  | { written: true; ids: string[] }
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

export async function enqueueByScript(t: Transport, request: EnqueueRequest, redisKey: string, hash: string): Promise<ScriptOutcome> {
  const stream = writeStream(request);
  if (request.delay !== undefined) {
    const args = [hash, ...dueArgs(dueOf(request.delay))];
    for (const m of request.messages) args.push(newDelayedId(), encodePayload(m));
    return runScript(t, DELAYED_BODY, [redisKey, delayedKey(stream), delayedPayloadsKey(stream)], args);
  }
  const args = [hash, request.maxlen === undefined ? "" : String(request.maxlen)];
  for (const m of request.messages) {
    const fields = Object.entries(m);
    args.push(String(fields.length), ...fields.flat());
  }
  return runScript(t, BODY, [redisKey, stream], args);
}

async function runScript(t: Transport, body: string, keys: string[], args: string[]): Promise<ScriptOutcome> {
  for (;;) {
    const script = scriptText(body);
    let outcome;
    try {
      [outcome] = await t.pipeline([["EVAL", script, keys.length, ...keys, ...args]]);
    } catch (error) {
      if (error instanceof TransportError) throw outcomeUnknown(error);
      throw error;
    }
    if (outcome && "error" in outcome) {
      // Refused before running: nothing was written, so sending it again is safe.
      if (refusedShebang(outcome.error)) continue;
      throw new RedisReplyError(outcome.error);
    }
    return parseReply(outcome?.result);
  }
}

function parseReply(reply: unknown): ScriptOutcome {
  if (Array.isArray(reply) && reply[0] === 1 && Array.isArray(reply[1]) && reply[1].every((id) => typeof id === "string")) {
    return { written: true, ids: reply[1] as string[] };
  }
  if (Array.isArray(reply) && reply[0] === 0 && typeof reply[1] === "string") {
    return { written: false, record: reply[1] };
  }
  throw new ReplyShapeError("EVAL", reply as Reply);
}
