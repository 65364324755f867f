/**
 * The Lua side of scripting, run once per VM: Redis 7.0's sandbox and its
 * `redis` library over Lua 5.4, and the wire format of wire.ts. Everything a
 * script can reach is in `env`: no io, os, require, loadfile, dofile, print
 * or debug; globals are read-only, and reading an unknown one is an error,
 * as in Redis. The host functions (`__host_*`, set by vm.ts) are taken into
 * locals and removed from the globals before any script runs.
 *
 * Error texts and the conversion rules copy Redis 7.0.15 (checked by the
 * differential suite): an error gets " script: <sha>, on @user_script:<line>."
 * naming the script's line, and a non-table error gets "ERR " in front.
 */
import { CJSON_LUA } from "./cjson.js";

export const PRELUDE = String.raw`
local host_call, host_now, host_sha1, host_json = __host_call, __host_now, __host_sha1, __host_json
-- redis.call and redis.pcall are host functions that call back into invoke
-- (below): being C functions to Lua, a tail call to them keeps the script's
-- frame, so an error can name the script's line, as Redis's does.
local redis_call, redis_pcall = __host_redis_call, __host_redis_pcall
local dbg = debug
local PRELUDE = dbg.getinfo(1, 'S').source
local format, gsub, find, sub = string.format, string.gsub, string.find, string.sub
local concat, floor, ceil, tointeger = table.concat, math.floor, math.ceil, math.tointeger
local type, tostring, tonumber, select, error, rawget, rawset = type, tostring, tonumber, select, error, rawget, rawset

-- The wire format (wire.ts).
local ESC = { ['\0'] = '\1\4', ['\1'] = '\1\1', ['\2'] = '\1\3' }
local UNESC = { ['\1'] = '\1', ['\3'] = '\2', ['\4'] = '\0' }
local function esc(s) return (gsub(s, '[\0\1\2]', ESC)) end
local function unesc(s) return (gsub(s, '\1(.)', UNESC)) end
local function readonly() error('Attempt to modify a readonly table', 2) end
${CJSON_LUA}

-- Redis to Lua: integer to number, bulk to string, nil to false,
-- array to table, status to { ok = … }, error to { err = … }.
local function decode(s)
  local pos = 1
  local function node()
    local stop = find(s, '\2', pos, true)
    local tag, payload = sub(s, pos, pos), sub(s, pos + 1, stop - 1)
    pos = stop + 1
    if tag == '$' then return unesc(payload) end
    if tag == ':' then return tonumber(payload) end
    if tag == '+' then return { ok = unesc(payload) } end
    if tag == '-' then return { err = unesc(payload) } end
    if tag == '*' then
      local t = {}
      for i = 1, tonumber(payload) do t[i] = node() end
      return t
    end
    return false
  end
  return node()
end

-- Lua to Redis: number to integer (truncated), string to bulk, true to 1,
-- false and nil to nil, { err } to an error, { ok } to a status, and a
-- table to an array of its items up to the first nil.
local function encode(v, out)
  local t = type(v)
  if t == 'string' then
    out[#out + 1] = '$' .. esc(v) .. '\2'
  elseif t == 'number' then
    local n = tointeger(v >= 0 and floor(v) or ceil(v))
    out[#out + 1] = ':' .. (n and format('%d', n) or '0') .. '\2'
  elseif t == 'boolean' then
    out[#out + 1] = v and ':1\2' or '_\2'
  elseif t == 'table' and v ~= json_null then
    local err, ok = rawget(v, 'err'), rawget(v, 'ok')
    if type(err) == 'string' then
      out[#out + 1] = '-' .. esc(err) .. '\2'
    elseif type(ok) == 'string' then
      out[#out + 1] = '+' .. esc(ok) .. '\2'
    else
      local n = 0
      while rawget(v, n + 1) ~= nil do n = n + 1 end
      out[#out + 1] = '*' .. n .. '\2'
      for i = 1, n do encode(rawget(v, i), out) end
    end
  else
    out[#out + 1] = '_\2'
  end
end

-- Redis's luaPushErrorBuff: "-CODE message" or "message" (code ERR).
local function error_table(text)
  local code, message = 'ERR', text
  if sub(text, 1, 1) == '-' then
    local space = find(text, ' ', 1, true)
    if space then code, message = sub(text, 2, space - 1), sub(text, space + 1) else message = sub(text, 2) end
  end
  message = gsub(gsub(message, '^[\r\n]+', ''), '[\r\n]+$', '')
  return { err = code .. ' ' .. message }
end

local function invoke(raise, ...)
  local n = select('#', ...)
  local problem
  if n == 0 then problem = 'ERR Please specify at least one argument for this redis lib call' end
  local out = { '*' .. n .. '\2' }
  for i = 1, n do
    local a = select(i, ...)
    if type(a) == 'number' then a = format('%.17g', a) end
    if type(a) ~= 'string' then
      problem = problem or 'ERR Lua redis lib command arguments must be strings or integers'
      break
    end
    out[#out + 1] = '$' .. esc(a) .. '\2'
  end
  if problem then
    if raise then error({ err = problem }, 0) end
    return { err = problem }
  end
  local reply = decode(host_call(concat(out)))
  if raise and type(reply) == 'table' and type(rawget(reply, 'err')) == 'string' then error(reply, 0) end
  return reply
end

local function frozen(t) return setmetatable(t, { __newindex = readonly, __metatable = false }) end
local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function bad_arguments() return { err = 'ERR wrong number or type of arguments' } end

local redis = {
  call = redis_call,
  pcall = redis_pcall,
  error_reply = function(text)
    if type(text) ~= 'string' then return bad_arguments() end
    return error_table(sub(text, 1, 1) == '-' and text or '-' .. text)
  end,
  status_reply = function(text)
    if type(text) ~= 'string' then return bad_arguments() end
    return { ok = text }
  end,
  sha1hex = function(...)
    if select('#', ...) ~= 1 then error({ err = 'ERR wrong number of arguments' }, 0) end
    local text = ...
    return host_sha1(esc(tostring(text)))
  end,
  log = function(level, ...)
    if select('#', ...) == 0 then error({ err = 'ERR redis.log() requires two arguments or more.' }, 0) end
    if type(level) ~= 'number' then error({ err = 'ERR First argument must be a number (log level).' }, 0) end
  end,
  setresp = function(version)
    if version ~= 2 then error({ err = 'ERR the embedded engine speaks RESP2 only' }, 0) end
  end,
  set_repl = function() end,
  replicate_commands = function() return true end,
  breakpoint = function() return false end,
  debug = function() end,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  REDIS_VERSION = '7.0.15', REDIS_VERSION_NUM = 0x07000f,
}

local env = {}
for _, name in ipairs({ 'assert', 'error', 'ipairs', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset',
  'select', 'setmetatable', 'getmetatable', 'tonumber', 'tostring', 'type', 'xpcall', 'collectgarbage', '_VERSION' }) do
  env[name] = _G[name]
end
-- Redis 7's pcall hands back a Redis error as its message, not as the table.
env.pcall = function(f, ...)
  local result = table.pack(pcall(f, ...))
  if not result[1] and type(result[2]) == 'table' and type(rawget(result[2], 'err')) == 'string' then
    return false, rawget(result[2], 'err')
  end
  return table.unpack(result, 1, result.n)
end
-- Lua 5.1 names scripts written for Redis use.
env.unpack = table.unpack
env.gcinfo = function() return collectgarbage('count') end
local function load_text(chunk, name) return load(chunk, name, 't', env) end
env.load, env.loadstring = load_text, load_text
local lib_math, lib_table = copy(math), copy(table)
lib_math.pow = function(x, y) return x ^ y end
lib_math.ldexp = function(m, e) return m * 2.0 ^ e end
lib_table.getn = function(t) return #t end
env.math, env.table = frozen(lib_math), frozen(lib_table)
env.string, env.coroutine = frozen(copy(string)), frozen(copy(coroutine))
env.redis = frozen(redis)
env.cjson = frozen(cjson)
env._G = env
setmetatable(env, {
  __index = function(_, name) error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2) end,
  __newindex = readonly,
  __metatable = false,
})

-- Redis's __redis__err__handler: where the error happened (skipping C and
-- this prelude), and "ERR " in front of a message that is not a table.
local function on_error(err)
  local level, info = 2, nil
  repeat
    info = dbg.getinfo(level, 'Sl')
    level = level + 1
  until info == nil or (info.what ~= 'C' and info.source ~= PRELUDE)
  if type(err) ~= 'table' then err = { err = 'ERR ' .. tostring(err) } end
  local message = rawget(err, 'err')
  if type(message) ~= 'string' then message = 'ERR unknown error' end
  return { message = message, source = info and info.source, line = info and info.currentline }
end

local compiled = {}
local deadline = 0
local function watchdog()
  if host_now() > deadline then error({ err = 'ERR script ran past the engine\'s time limit and was stopped (Redis would answer BUSY meanwhile)' }, 0) end
end

function __invoke_call(...) return invoke(true, ...) end
function __invoke_pcall(...) return invoke(false, ...) end

function __compile(sha, body)
  local fn, problem = load(body, '@user_script', 't', env)
  if not fn then return 'ERR Error compiling script (new function): ' .. problem end
  compiled[sha] = fn
  return ''
end

function __flush() compiled = {} end

function __run(sha, keys, argv, limit_at)
  rawset(env, 'KEYS', decode(keys))
  rawset(env, 'ARGV', decode(argv))
  deadline = limit_at
  dbg.sethook(watchdog, '', 100000)
  local ok, result = xpcall(compiled[sha], on_error)
  dbg.sethook()
  local out = {}
  if ok then
    encode(result, out)
  elseif result.line then
    out[1] = '-' .. esc(result.message .. ' script: ' .. sha .. ', on ' .. result.source .. ':' .. result.line .. '.') .. '\2'
  else
    out[1] = '-' .. esc(result.message) .. '\2'
  end
  return concat(out)
end
`;
