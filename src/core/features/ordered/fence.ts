/**
 * The fence on an ordered run's writes: every transaction the run sends
 * after it took the lease goes as one script that first checks the lease
 * still holds this run's token, and runs nothing when it does not. A run
 * that lost its lease (it overran it, or a commit of it reached Redis after
 * the next run took over) therefore commits no effect, acknowledges nothing
 * and reads nothing.
 *
 * Why a script and not a guard inside the MULTI: MULTI/EXEC runs every
 * command even when one fails at run time, so a failing guard would not stop
 * the effects queued after it, and WATCH is not available over REST. The
 * script runs the commands with `redis.pcall`, so like EXEC each command's
 * error comes back in place and the others still run; the replies come back
 * in the order of the commands, shaped as a transaction's.
 *
 * Every key the commands name is passed in KEYS, so on Upstash the script
 * may take `allow-key-locking` (script.ts) rather than the global lock that
 * scripts queued inside a MULTI always take: it is sent bare, not in a MULTI.
 * Upstash bills it as the EVAL, the GET of the lease and each command: two
 * commands more than the same commit as a MULTI.
 *
 * Lua written for 5.1 and 5.4 alike.
 */
import { commandKeys } from "../../redis/command-keys.js";
import { RedisReplyError } from "../../redis/errors.js";
import { refusedShebang, scriptText, UNPACK } from "../../redis/script.js";
import type { Arg, Command, Outcome, Reply, Transport } from "../../redis/transport.js";

/** Lua's `unpack` stops near 8,000 values; a longer command is refused before anything runs. */
export const MAX_FENCED_ARGS = 7_000;

/** The run's lease is not its own any more: nothing of the request ran. */
export class LeaseLostError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LeaseLostError";
  }
}

// KEYS: the lease, then every key the commands name. ARGV: token, then per command its length and its words.
const BODY = `${UNPACK}if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
local n = #ARGV
local i = 2
while i <= n do
  local c = tonumber(ARGV[i])
  if c == nil or c < 1 or c > ${MAX_FENCED_ARGS} or i + c > n then return redis.error_reply('ERR fenced commit: malformed command list') end
  i = i + c + 1
end
local replies = {}
local errors = {}
local k = 0
i = 2
while i <= n do
  local c = tonumber(ARGV[i])
  k = k + 1
  local r = redis.pcall(unpack(ARGV, i + 1, i + c))
  if type(r) == 'table' and r.err then
    replies[k] = false
    errors[#errors + 1] = k
    errors[#errors + 1] = r.err
  else
    replies[k] = r
  end
  i = i + c + 1
end
return {1, replies, errors}`;

/** Compare-and-delete: the lease is given back only if it still holds this run's token. */
export const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
export const releaseCommand = (leaseKey: string, token: string): Command => ["EVAL", RELEASE_SCRIPT, 1, leaseKey, token];

export interface Fence {
  leaseKey: string;
  token: string;
}

export function fencedCommand(f: Fence, commands: readonly Command[], body = scriptText(BODY)): Command {
  const keys = new Set<string>([f.leaseKey]);
  const argv: Arg[] = [f.token];
  for (const command of commands) {
    if (command.length > MAX_FENCED_ARGS) throw new RedisReplyError(`fenced commit: a ${command[0]} of ${command.length} arguments is more than a script can send (${MAX_FENCED_ARGS})`);
    for (const key of commandKeys(command)) keys.add(key);
    argv.push(command.length, ...command);
  }
  return ["EVAL", body, keys.size, ...keys, ...argv];
}

/**
 * Sends `commands` fenced by the lease, as one request. Resolves with one
 * outcome per command, as a transaction would; rejects with `LeaseLostError`
 * when the lease is not this run's (nothing ran), and as the transport does
 * when the request failed.
 */
export async function sendFenced(t: Transport, f: Fence, commands: readonly Command[]): Promise<Outcome[]> {
  let answered = await t.pipeline([fencedCommand(f, commands)]);
  let [outcome] = answered;
  // A refused shebang never ran: the plain script goes instead.
  if (outcome && "error" in outcome && refusedShebang(outcome.error)) [outcome] = answered = await t.pipeline([fencedCommand(f, commands, BODY)]);
  if (!outcome) throw new RedisReplyError("fenced commit: no reply");
  if ("error" in outcome) throw new RedisReplyError(`fenced commit refused: ${outcome.error}`);
  // In the array the transport answered, so what it knows of that answer (a merged request's rider, coalescing-transport.ts) still holds.
  answered.splice(0, answered.length, ...parseFenced(outcome.result, commands.length));
  return answered;
}

export function parseFenced(r: Reply, count: number): Outcome[] {
  if (!Array.isArray(r) || (r[0] !== 0 && r[0] !== 1)) throw new RedisReplyError(`fenced commit: unexpected reply ${JSON.stringify(r)}`);
  if (r[0] === 0) throw new LeaseLostError("the ordered lease is held by another run (this run overran it, or its request arrived late): nothing of this request was written");
  const replies = Array.isArray(r[1]) ? r[1] : [];
  const errors = Array.isArray(r[2]) ? r[2] : [];
  const outcomes: Outcome[] = Array.from({ length: count }, (_, i) => ({ result: replies[i] ?? null }));
  for (let i = 0; i + 1 < errors.length; i += 2) outcomes[Number(errors[i]) - 1] = { error: String(errors[i + 1]) };
  return outcomes;
}
