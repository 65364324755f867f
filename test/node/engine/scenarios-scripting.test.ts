/**
 * Lua scripts against real Redis: EVAL, EVALSHA and SCRIPT, the conversions
 * both ways, error texts (redis.call, redis.pcall, runtime errors, shebang
 * flags), scripts that drive streams and hashes, and scripts inside MULTI.
 * Each script names its test's keys, so its sha is its own: SCRIPT FLUSH,
 * which would touch every file's scripts on the shared Redis, is left to
 * scripting.test.ts, on the engine alone.
 */
import { createHash } from "node:crypto";
import { describe } from "vitest";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { addEntries, differentialSuite } from "./differential.js";

const evalIn = (script: string, keys: string[], ...args: string[]) => ["EVAL", script, String(keys.length), ...keys, ...args];

describe.skipIf(ON_ENGINE)(realRedisOnly("engine vs redis: Lua scripts"), () => {
  const { check } = differentialSuite();

  check("Lua to Redis: numbers truncate, tables stop at the first nil, true is 1, false is nil", (k) => [
    evalIn(`-- ${k("a")}\nreturn 3.99`, []),
    evalIn(`-- ${k("b")}\nreturn -3.99`, []),
    evalIn(`-- ${k("c")}\nreturn {1, 2.5, 'x', nil, 'lost'}`, []),
    evalIn(`-- ${k("d")}\nreturn {true, false, {}, {{'deep'}}}`, []),
    evalIn(`-- ${k("e")}\nreturn true`, []),
    evalIn(`-- ${k("f")}\nreturn false`, []),
    evalIn(`-- ${k("g")}\nreturn nil`, []),
    evalIn(`-- ${k("h")}\nreturn {ok='FINE'}`, []),
    evalIn(`-- ${k("i")}\nreturn redis.status_reply('FINE')`, []),
    evalIn(`-- ${k("j")}\nreturn {err='boom'}`, []),
    evalIn(`-- ${k("k")}\nreturn redis.error_reply('boom')`, []),
    evalIn(`-- ${k("l")}\nreturn redis.error_reply('MYCODE went wrong')`, []),
    evalIn(`-- ${k("m")}\nreturn {2^53, 7/2, -0.5}`, []),
  ]);

  check("Redis to Lua: integer, bulk, nil, array and status reach the script as Redis converts them", (k) => [
    ["HSET", k("h"), "f", "v", "g", "w"],
    ["RPUSH", k("l"), "a", "b"],
    evalIn(
      `local n = redis.call('HLEN', KEYS[1])
       local v = redis.call('HGET', KEYS[1], 'f')
       local none = redis.call('HGET', KEYS[1], 'nope')
       local list = redis.call('LRANGE', KEYS[2], 0, -1)
       local set = redis.call('SET', KEYS[3], 'x')
       return {type(n), n, type(v), v, type(none), tostring(none), type(list), #list, list[2], type(set), set.ok}`,
      [k("h"), k("l"), k("s")],
    ),
    evalIn(`return redis.call('GET', KEYS[1])`, [k("missing")]),
    evalIn(`return redis.call('SET', KEYS[1], 'y')`, [k("s")]),
    evalIn(`return redis.call('XRANGE', KEYS[1], '-', '+')`, [k("no-stream")]),
  ]);

  check("arguments: numbers become text as Redis 7.0 writes them, other types are refused", (k) => [
    evalIn(`redis.call('SET', KEYS[1], 0.1) return redis.call('GET', KEYS[1])`, [k("a")]),
    evalIn(`redis.call('SET', KEYS[1], 3) return redis.call('GET', KEYS[1])`, [k("b")]),
    evalIn(`redis.call('SET', KEYS[1], 2^53) return redis.call('GET', KEYS[1])`, [k("c")]),
    evalIn(`return redis.call('SET', KEYS[1], true)`, [k("d")]),
    evalIn(`return redis.call('SET', KEYS[1], nil)`, [k("d")]),
    evalIn(`-- ${k("e")}\nreturn redis.call()`, []),
    evalIn(`-- ${k("f")}\nreturn redis.pcall()`, []),
    evalIn(`return redis.call('SET', KEYS[1], ARGV[1]) and redis.call('GET', KEYS[1])`, [k("g")], "bin\u0000ary ✓"),
  ]);

  check("errors: redis.call raises with the script's line, redis.pcall returns the error as a table", (k) => [
    ["SET", k("str"), "x"],
    evalIn(`return redis.call('INCR', KEYS[1])`, [k("str")]),
    evalIn(`local a = 1\n\nreturn redis.call('XADD', KEYS[1], '1-0', 'f', 'v')`, [k("str")]),
    evalIn(`return redis.pcall('INCR', KEYS[1])`, [k("str")]),
    evalIn(`local r = redis.pcall('INCR', KEYS[1]) return {type(r), r.err}`, [k("str")]),
    evalIn(`local ok, e = pcall(redis.call, 'INCR', KEYS[1]) return {tostring(ok), e.err}`, [k("str")]),
    // Redis 7's pcall hands back a Redis error as its message; xpcall's handler sees the table.
    evalIn(`local ok, e = pcall(function() return redis.call('NOSUCHCOMMAND') end) return {type(e), e}`, [k("x")]),
    evalIn(`local ok, e = pcall(error, {err='x'}) return {type(e), e}`, [k("x")]),
    evalIn(`local ok, e = pcall(error, {foo=1}) return type(e)`, [k("x")]),
    evalIn(`local ok, e = xpcall(function() return redis.call('NOSUCHCOMMAND') end, function(m) return m end) return {type(e), e.err}`, [k("x")]),
    evalIn(`return redis.call('NOSUCHCOMMAND', KEYS[1])`, [k("x")]),
    evalIn(`return redis.call('GET')`, [k("x")]),
    evalIn(`return redis.call('EVAL', 'return 1', 0)`, [k("x")]),
    evalIn(`return redis.pcall('NOSUCHCOMMAND', KEYS[1])`, [k("x")]),
    evalIn(`-- ${k("e1")}\nerror('custom')`, []),
    evalIn(`-- ${k("e2")}\nerror({err='MINE table error'})`, []),
    evalIn(`-- ${k("e3")}\nreturn undefined_global`, []),
    evalIn(`-- ${k("e4")}\nnew_global = 1`, []),
    evalIn(`-- ${k("e5")}\nreturn {type(io), type(os)}`, []),
    evalIn(`-- ${k("e6")}\nreturn loadfile`, []),
    // The write before the failing call stays: a script is atomic, not a rollback.
    evalIn(`redis.call('SET', KEYS[1], 'kept') return redis.call('INCR', KEYS[2])`, [k("kept"), k("str")]),
    ["GET", k("kept")],
  ]);

  check("EVAL's own checks: numkeys, NOSCRIPT, SCRIPT LOAD / EXISTS, shebang flags", (k) => [
    ["EVAL", `return '${k("a")}'`, "2", "only-one"],
    ["EVAL", `return '${k("a")}'`, "-1"],
    ["EVAL", `return '${k("a")}'`, "x"],
    ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
    ["SCRIPT", "EXISTS", "ffffffffffffffffffffffffffffffffffffffff"],
    ["SCRIPT", "LOAD", `return {'${k("loaded")}', KEYS[1], ARGV[1]}`],
    ["EVAL", `return redis.sha1hex("return {'${k("loaded")}', KEYS[1], ARGV[1]}")`, "0"],
    ["SCRIPT", "LOAD", "return +"],
    ["EVAL", `#!lua flags=allow-key-locking\nreturn '${k("b")}'`, "0"],
    ["EVAL", `#!lua\nreturn '${k("c")}'`, "0"],
    ["EVAL", `#!lua flags=no-writes\nreturn redis.call('SET', KEYS[1], 'v')`, "1", k("d")],
    ["EVAL", `#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])`, "1", k("d")],
    ["EVAL", `#!lua name=x\nreturn '${k("e")}'`, "0"],
    ["EVAL", `#!luax\nreturn '${k("e")}'`, "0"],
    ["EVAL_RO", `return redis.call('SET', KEYS[1], 'v')`, "1", k("d")],
    ["EXISTS", k("d")],
  ]);

  check("EVALSHA runs a loaded script, in any case of its sha", (k) => {
    const body = `return {'${k("s")}', KEYS[1], ARGV[1]}`;
    return [
      ["SCRIPT", "LOAD", body],
      ["EVALSHA", sha1(body), "1", "key", "arg"],
      ["EVALSHA", sha1(body).toUpperCase(), "1", "key", "arg"],
      ["SCRIPT", "EXISTS", sha1(body), "ffffffffffffffffffffffffffffffffffffffff"],
    ];
  });

  check("a script adds to a stream, reads it as a group and acknowledges, in one call", (k) => [
    ...addEntries(k("s"), 2),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    evalIn(
      `redis.call('XADD', KEYS[1], '3-0', 'n', '3')
       local read = redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', KEYS[1], '>')
       local first = read[1][2][1]
       local acked = redis.call('XACK', KEYS[1], 'g', first[1])
       redis.call('HSET', KEYS[2], 'last', first[1], first[2][1], first[2][2])
       return {read, acked, redis.call('XPENDING', KEYS[1], 'g'), redis.call('HGETALL', KEYS[2])}`,
      [k("s"), k("h")],
    ),
    evalIn(`return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')`, [k("s")]),
    evalIn(`return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')`, [k("s")]),
    evalIn(`return redis.call('XGROUP', 'CREATE', KEYS[1], 'g2', '$')`, [k("s")]),
    ["XINFO", "GROUPS", k("s")],
  ]);

  check("a script promotes due members of a sorted set into a stream, as delayed delivery does", (k) => [
    ["ZADD", k("delayed"), "100", "m1", "200", "m2", "300", "m3"],
    ["HSET", k("bodies"), "m1", "one", "m2", "two", "m3", "three"],
    evalIn(
      `local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 10)
       for i, member in ipairs(due) do
         redis.call('XADD', KEYS[3], (i) .. '-0', 'body', redis.call('HGET', KEYS[2], member))
         redis.call('ZREM', KEYS[1], member)
       end
       return {due, redis.call('ZCARD', KEYS[1]), redis.call('ZSCORE', KEYS[1], 'm3'), redis.call('ZADD', KEYS[1], 'INCR', 0.5, 'm3')}`,
      [k("delayed"), k("bodies"), k("s")],
      "200",
    ),
    ["XRANGE", k("s"), "-", "+"],
    ["ZRANGEBYSCORE", k("delayed"), "-inf", "+inf", "WITHSCORES"],
  ]);

  check("scripts inside MULTI run in order with the rest, errors inline", (k) => [
    ["SET", k("str"), "x"],
    {
      tx: [
        ["SET", k("a"), "1"],
        evalIn(`redis.call('INCR', KEYS[1]) return redis.call('GET', KEYS[1])`, [k("a")]),
        evalIn(`return redis.call('INCR', KEYS[1])`, [k("str")]),
        ["INCR", k("a")],
        ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
      ],
    },
    ["GET", k("a")],
    { tx: [["EVAL"], ["SET", k("a"), "9"]] },
    ["GET", k("a")],
  ]);

  check("cjson: arrays and scalars encode alike, and decode to Lua values", (k) => [
    evalIn(`-- ${k("a")}\nreturn cjson.encode({1, 'two', {3}, true, 1.5, 'q"\\\\/'})`, []),
    evalIn(`-- ${k("b")}\nreturn cjson.encode({a = {1, 2}})`, []),
    evalIn(`local t = cjson.decode(ARGV[1]) return {t.a[2], t.b, tostring(t.c == cjson.null), #t.a, t.n}`, [], '{"a":[1,"two"],"b":"x","c":null,"n":12}'),
    evalIn(`-- ${k("c")}\nreturn cjson.encode(cjson.decode('[1,2,[3,[]],"x"]'))`, []),
  ]);
});

function sha1(text: string): string {
  // Redis names a script by the SHA1 of its body.
  return createHash("sha1").update(text).digest("hex");
}
