/**
 * The wake lease of a stream: a counter of the messages written in a window
 * living `leaseMs` from its first write, which says whether an enqueue
 * starts a session. It rides in the enqueue's own request: as plain commands
 * beside the XADDs (`wakeLeaseOps`), or as Lua lines inside the
 * Idempotency-Key script (`leaseLua`); `wakeLeaseCommand`, an EVAL of its
 * own, remains for callers that wrote without it (wake.ts `takeLeases`).
 * It does when it writes the window's message 1, capacity + 1, 2 × capacity + 1 …: one session is one invocation's budgets
 * (10 ms of CPU on Free, about a hundred messages), so a burst larger than
 * that gets one session per `capacity` messages instead of waiting for the
 * tick. A `SET NX PX` lease could only ever start the first.
 *
 * The EVAL is sent without the key-locking shebang (script.ts): Redis 7.0 refuses it,
 * and a refused first try would cost a second command on an enqueue. On
 * Upstash the script then takes the global script lock; it is four commands long.
 */
import { wakeLeaseKey } from "../core/redis/keys.js";
import type { Op } from "../core/redis/ops.js";
import { op } from "../core/redis/ops.js";
import { int } from "../core/redis/parse-replies.js";
import type { Command } from "../core/redis/transport.js";

/** Messages one session is counted on for. Under the Free plan's CPU budget a session takes about 90 at batch 10; 50 leaves room. */
export const WAKE_CAPACITY = 50;

const SCRIPT = `local before = tonumber(redis.call('GET', KEYS[1])) or 0
local after = redis.call('INCRBY', KEYS[1], ARGV[2])
if before == 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local capacity = tonumber(ARGV[3])
if math.floor((after - 1) / capacity) ~= math.floor((before - 1) / capacity) then return 1 end
return 0`;

export const wakeLeaseCommand = (stream: string, messages: number, leaseMs: number, capacity = WAKE_CAPACITY): Command => [
  "EVAL",
  SCRIPT,
  1,
  wakeLeaseKey(stream),
  String(leaseMs),
  String(Math.max(1, Math.floor(messages))),
  String(capacity),
];

/**
 * The same lease in plain commands, to ride in the enqueue's own MULTI/EXEC
 * (one request per enqueue, and no script, so no Upstash script lock):
 * `SET <key> 0 NX PX leaseMs` opens the window when there is none (and only
 * then sets its expiry), `INCRBY <key> n` counts the messages; the reply of
 * INCRBY says whether this enqueue crossed into a new session's share.
 */
export function wakeLeaseOps(stream: string, messages: number, leaseMs: number, capacity = WAKE_CAPACITY): [Op<unknown>, Op<boolean>] {
  const n = Math.max(1, Math.floor(messages));
  return [
    op(["SET", wakeLeaseKey(stream), "0", "NX", "PX", Math.max(1, Math.floor(leaseMs))], (r) => r),
    op(["INCRBY", wakeLeaseKey(stream), n], (r) => startsSession(int("INCRBY", r), n, capacity)),
  ];
}

/**
 * The same lease as Lua lines, for a script that writes the messages itself
 * (api/idempotency-script.ts): counted only when the script wrote, and no
 * request of its own. `key`, `n`, `ms` and `capacity` are Lua expressions;
 * the lines set the local `starts` to 1 when this write starts a session.
 * The INCRBY and PEXPIRE run under the script's own atomicity, so a window
 * is opened (and its expiry set) exactly by the write that finds it absent.
 */
export const leaseLua = (key: string, n: string, ms: string, capacity: string): string => `local after = redis.call('INCRBY', ${key}, ${n})
if after == ${n} then redis.call('PEXPIRE', ${key}, ${ms}) end
if math.floor((after - 1) / ${capacity}) ~= math.floor((after - ${n} - 1) / ${capacity}) then starts = 1 end
`;

/** The window's message 1, capacity + 1, 2 × capacity + 1 … was among this enqueue's `n`. */
export const startsSession = (after: number, n: number, capacity = WAKE_CAPACITY): boolean => Math.floor((after - 1) / capacity) !== Math.floor((after - n - 1) / capacity);
