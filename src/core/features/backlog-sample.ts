/**
 * A backlog sample for the dashboard's charts, taken by the run that stores
 * a report, inside the request that stores it: no extra request, and no
 * write by any GET route (a READ_TOKEN reader writes nothing). Idle ticks
 * store no report, so they take no sample either and stay 1 request.
 *
 * One EVAL replaces the report list's LTRIM, so the report's request still
 * counts two commands. At most once a minute (when the newest stored sample
 * is older than `SAMPLE_EVERY_MS`) it reads XINFO GROUPS and XLEN and
 * LPUSHes `{t, pending, lag, length}` to `samplesKey`, trimmed to
 * `SAMPLES_KEPT`. Upstash bills the EVAL plus each call inside it: 3
 * commands when no sample is due, 7 when one is.
 *
 * Portable between Lua 5.1 and 5.4 (see script.ts): the sample's text is
 * built from integers with `%d`, and the time comes in ARGV as text.
 */
import { REPORTS_KEPT, SAMPLES_KEPT, reportsKey, samplesKey } from "../redis/keys.js";
import type { Command } from "../redis/transport.js";

export const SAMPLE_EVERY_MS = 60_000;

/** Where a function's backlog is read: its stream and its group. */
export interface BacklogSource {
  stream: string;
  group: string;
}

const SCRIPT = `redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]))
local now = tonumber(ARGV[3])
local newest = redis.call('LRANGE', KEYS[2], 0, 0)[1]
if newest then
  local ok, s = pcall(cjson.decode, newest)
  if ok and type(s) == 'table' and type(s.t) == 'number' and now - s.t < tonumber(ARGV[4]) then return 0 end
end
local groups = redis.pcall('XINFO', 'GROUPS', KEYS[3])
if type(groups) ~= 'table' or groups.err then return 0 end
for _, g in ipairs(groups) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
  if f['name'] == ARGV[2] then
    local lag = 'null'
    if type(f['lag']) == 'number' then lag = string.format('%d', f['lag']) end
    local length = redis.call('XLEN', KEYS[3])
    redis.call('LPUSH', KEYS[2], '{"t":' .. ARGV[3] .. ',"pending":' .. string.format('%d', f['pending']) .. ',"lag":' .. lag .. ',"length":' .. string.format('%d', length) .. '}')
    redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]))
    return 1
  end
end
return 0`;

/** Trims `fn`'s report list (as LTRIM did) and appends a backlog sample when one is due at `now`. */
export function trimAndSampleCommand(fn: string, source: BacklogSource, now: number): Command {
  return ["EVAL", SCRIPT, 3, reportsKey(fn), samplesKey(fn), source.stream, REPORTS_KEPT - 1, source.group, String(Math.floor(now)), SAMPLE_EVERY_MS, SAMPLES_KEPT - 1];
}
