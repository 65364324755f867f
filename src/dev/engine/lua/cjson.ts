/**
 * `cjson.encode` / `cjson.decode` as Redis ships them (lua-cjson 2.1), in
 * Lua, spliced into the prelude: it defines the local `cjson` and the
 * `json_null` sentinel the prelude's encoder turns into a nil reply.
 * Decoding is JSON.parse on the host (`host_json`), which answers a tagged
 * tree: `{n` an object of n key/value pairs, `[n` an array, `$` a string,
 * `#` a number, `t` / `f` / `~` true, false, null; `!` a parse error.
 *
 * As in Redis, an object's key order follows Lua's table order, which is not
 * the same in 5.1 and 5.4: never compare encoded objects as text.
 */
export const CJSON_LUA = String.raw`
local json_null = setmetatable({}, { __tostring = function() return 'null' end, __newindex = readonly, __metatable = false })
local JSON_ESC = { ['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/', ['\b'] = '\\b', ['\f'] = '\\f',
  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
local function json_string(s)
  return '"' .. gsub(s, '[%c"\\/]', function(c) return JSON_ESC[c] or format('\\u%04x', c:byte()) end) .. '"'
end
local function json_number(n)
  if n ~= n or n == math.huge or n == -math.huge then error('Cannot serialise number: must not be NaN or Inf', 0) end
  if tointeger(n) then return format('%d', tointeger(n)) end
  return format('%.14g', n)
end
local function json_encode(v, out, depth)
  if depth > 1000 then error('Cannot serialise, excessive nesting (1001)', 0) end
  local t = type(v)
  if v == nil or v == json_null then out[#out + 1] = 'null'
  elseif t == 'boolean' then out[#out + 1] = tostring(v)
  elseif t == 'number' then out[#out + 1] = json_number(v)
  elseif t == 'string' then out[#out + 1] = json_string(v)
  elseif t == 'table' then
    local max, items, array = 0, 0, true
    for k in pairs(v) do
      if type(k) == 'number' and k >= 1 and floor(k) == k then
        if k > max then max = k end
        items = items + 1
      else
        array = false
      end
    end
    if array and max > items * 2 and max > 10 then error('Cannot serialise table: excessively sparse array', 0) end
    if array and max > 0 then
      out[#out + 1] = '['
      for i = 1, max do
        if i > 1 then out[#out + 1] = ',' end
        json_encode(v[i], out, depth + 1)
      end
      out[#out + 1] = ']'
    else
      out[#out + 1] = '{'
      local first = true
      for k, item in pairs(v) do
        if type(k) == 'number' then k = json_number(k)
        elseif type(k) ~= 'string' then error('Cannot serialise table: table key must be a number or string', 0) end
        if not first then out[#out + 1] = ',' end
        first = false
        out[#out + 1] = json_string(k) .. ':'
        json_encode(item, out, depth + 1)
      end
      out[#out + 1] = '}'
    end
  else
    error('Cannot serialise ' .. t .. ': type not supported', 0)
  end
end
local function json_decode(s)
  local pos = 1
  local function node()
    local stop = find(s, '\2', pos, true)
    local tag, payload = sub(s, pos, pos), sub(s, pos + 1, stop - 1)
    pos = stop + 1
    if tag == '$' then return unesc(payload) end
    if tag == '#' then return tonumber(payload) end
    if tag == 't' then return true end
    if tag == 'f' then return false end
    if tag == '[' then
      local t = {}
      for i = 1, tonumber(payload) do t[i] = node() end
      return t
    end
    if tag == '{' then
      local t = {}
      for _ = 1, tonumber(payload) do
        local k = node()
        t[k] = node()
      end
      return t
    end
    return json_null
  end
  return node()
end
local cjson = {
  null = json_null,
  encode = function(...)
    if select('#', ...) ~= 1 then error('bad argument #1 to \'encode\' (expected 1 argument)', 0) end
    local out = {}
    json_encode((...), out, 0)
    return concat(out)
  end,
  decode = function(text)
    if type(text) ~= 'string' then error('bad argument #1 to \'decode\' (string expected)', 0) end
    local tree = host_json(esc(text))
    if sub(tree, 1, 1) == '!' then error(unesc(sub(tree, 2)), 0) end
    return json_decode(tree)
  end,
}
`;
