/**
 * Idempotent enqueue as one Lua script: it reads the key's record and, only
 * when there is none, writes the messages and the record of their ids. Redis
 * runs a script atomically, so no timing (a write held in flight, a repeat
 * racing it, a lost answer) can make a key write twice: the check and the
 * write cannot be separated. One request, no marker, no expiry to outrun.
 *
 * Upstash runs a script under a global lock unless its first line is
 * `#!lua flags=allow-key-locking` and it names every key in KEYS (this one
 * does: the record and the stream). Redis 7 refuses shebang flags it does not
 * know, and Redis 6 has no shebangs, so a store that refuses the flag gets the
 * plain script, remembered for the isolate's life.
 */
import { RedisReplyError, TransportError } from "../core/errors.js";
import { ReplyShapeError } from "../core/parse-replies.js";
import type { Reply, Transport } from "../core/transport.js";
import type { EnqueueRequest } from "./enqueue.js";
import { outcomeUnknown, RECORD_TTL_S } from "./idempotency-record.js";

/** Lua's `unpack` stops near 8,000 values, and one message's fields are unpacked into one XADD. */
export const MAX_SCRIPT_FIELDS = 3_000;

// ARGV: hash, maxlen or "", then per message its field count and its fields.
// Ids and the hex hash need no JSON escaping, so the record is spliced as text.
const BODY = `local record = redis.call('GET', KEYS[1])
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
const KEY_LOCKING = `#!lua flags=allow-key-locking\n${BODY}`;

let shebangRefused = false;

export type ScriptOutcome =
  | { written: true; ids: string[] }
  | { written: false; record: string };

export async function enqueueByScript(t: Transport, request: EnqueueRequest, redisKey: string, hash: string): Promise<ScriptOutcome> {
  const args = [redisKey, request.stream, hash, request.maxlen === undefined ? "" : String(request.maxlen)];
  for (const m of request.messages) {
    const fields = Object.entries(m);
    args.push(String(fields.length), ...fields.flat());
  }
  for (;;) {
    const script = shebangRefused ? BODY : KEY_LOCKING;
    let outcome;
    try {
      [outcome] = await t.pipeline([["EVAL", script, 2, ...args]]);
    } catch (error) {
      if (error instanceof TransportError) throw outcomeUnknown(error);
      throw error;
    }
    if (outcome && "error" in outcome) {
      // Refused before running: nothing was written, so sending it again is safe.
      if (!shebangRefused && /shebang/i.test(outcome.error)) {
        shebangRefused = true;
        continue;
      }
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
