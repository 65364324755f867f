/**
 * Delayed messages: held outside the stream until due, then moved into it
 * exactly once by the promotion script (promote.ts), which every run of a
 * function with `delays: true` sends as its first command.
 *
 * A delayed message is a member of a sorted set scored by its due time
 * (unix ms) plus its payload in a hash, both under the stream's hash tag
 * (keys.ts `delayedKey`, `delayedPayloadsKey`). It occupies no PEL (Upstash
 * caps a consumer's at 1000). Writing one is `ZADD` + `HSET` in a small
 * script that reads the due time off the Redis clock (`delayCommand`), so an
 * enqueue is one MULTI/EXEC, and a commit parks a long retry in the same
 * MULTI/EXEC as its XACK.
 *
 * The payload is the message's fields, in order, each name and value as
 * `<UTF-8 byte length>:<bytes>`: the script rebuilds the XADD from it with
 * plain string functions, since no JSON library is shared by Redis, Upstash
 * and the embedded engine's Lua. A parked retry carries its delivery count in
 * the reserved field `cronsumer-deliveries`, which the stream entry keeps and
 * a run strips (fetch.ts), so `attempt` and `maxDeliveries` go on counting.
 */
import { delayedKey, delayedPayloadsKey } from "../redis/keys.js";
import { op } from "../redis/ops.js";
import type { Fields } from "../redis/parse-replies.js";
import { ReplyShapeError } from "../redis/parse-replies.js";
import type { Command } from "../redis/transport.js";

export { MAX_DELAY_MS } from "../define/options.js";

/** Deliveries a parked retry had before it was parked; never seen by handlers. */
export const DELIVERIES_FIELD = "cronsumer-deliveries";

const utf8 = new TextEncoder();
const bytes = (s: string): number => utf8.encode(s).length;

export function encodePayload(fields: Fields): string {
  return Object.entries(fields)
    .flat()
    .map((s) => `${bytes(s)}:${s}`)
    .join("");
}

export function decodePayload(payload: string): Fields {
  const raw = utf8.encode(payload);
  const text = new TextDecoder();
  const flat: string[] = [];
  for (let i = 0; i < raw.length; ) {
    const colon = raw.indexOf(0x3a, i);
    const length = Number(text.decode(raw.subarray(i, colon)));
    if (colon < 0 || !Number.isSafeInteger(length) || colon + 1 + length > raw.length) throw new ReplyShapeError("delayed payload", payload.slice(0, 100));
    flat.push(text.decode(raw.subarray(colon + 1, colon + 1 + length)));
    i = colon + 1 + length;
  }
  const fields: Fields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

/** A fresh id for a delayed message; parked retries use `retryId` instead. */
export const newDelayedId = (): string => crypto.randomUUID();
/** A parked retry's id names the entry it came from; a stream id is never reused, so it is unique. */
export const retryId = (entryId: string): string => `retry-${entryId}`;

/**
 * When a delayed message is due: `inMs` from now on the Redis server's clock,
 * or `atMs`, a unix time (ms) the caller named. Promotion compares due times
 * with the Redis clock too (promote.ts), so a relative delay never depends on
 * the clock of the producer, the API or the run that asked for it: one
 * whose clock is behind would otherwise get its messages early.
 */
export type Due = { inMs: number } | { atMs: number };

/** Lua: `now`, the Redis server's clock in unix ms (TIME answers seconds and microseconds). */
export const REDIS_NOW_MS = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/** Lua, after REDIS_NOW_MS: `due` from ARGV[at] ('in' or 'at') and ARGV[at + 1] (ms). */
export const dueFrom = (at: number) => `local due = tonumber(ARGV[${at + 1}])
if ARGV[${at}] == 'in' then due = now + due end
`;

export const dueArgs = (due: Due): [string, string] => ("inMs" in due ? ["in", String(Math.floor(due.inMs))] : ["at", String(Math.floor(due.atMs))]);

// KEYS: delayed set, payloads. ARGV: 'in' or 'at', ms, then per message its delayed id and payload.
const DELAY_BODY = `${REDIS_NOW_MS}${dueFrom(1)}for i = 3, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], due, ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return due`;

/**
 * One `EVAL` that holds messages until `due` (`ZADD` + `HSET` each), and
 * answers the due time it wrote. For a MULTI/EXEC: a script queued there runs
 * under Upstash's global lock whatever its first line says, so it is sent
 * plain, and Redis 7 cannot refuse a shebang flag inside the transaction.
 */
export function delayCommand(stream: string, due: Due, messages: readonly { id: string; fields: Fields }[]): Command {
  return ["EVAL", DELAY_BODY, 2, delayedKey(stream), delayedPayloadsKey(stream), ...dueArgs(due), ...messages.flatMap((m) => [m.id, encodePayload(m.fields)])];
}

/** Cancels one delayed message: `ZREM` answers 1 when it was still waiting (promotion had not moved it). */
export const cancelOps = (stream: string, id: string) =>
  [op(["ZREM", delayedKey(stream), id], (r) => r === 1), op(["HDEL", delayedPayloadsKey(stream), id], (r) => r)] as const;

/** The fields a handler sees, and the deliveries a parked retry carried (0 for a message never parked). */
export function carriedDeliveries(fields: Fields): { fields: Fields; prior: number } {
  const carried = fields[DELIVERIES_FIELD];
  if (carried === undefined) return { fields, prior: 0 };
  const { [DELIVERIES_FIELD]: _, ...rest } = fields;
  const prior = Number(carried);
  return { fields: rest, prior: Number.isSafeInteger(prior) && prior > 0 ? prior : 0 };
}
