/**
 * The stream scenarios the consumer relies on, against real Redis: create,
 * consume, acknowledge, inspect; NOACK; XREAD; history reads.
 */
import { describe } from "vitest";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { addEntries, differentialSuite } from "./differential.js";

describe.skipIf(ON_ENGINE)(realRedisOnly("engine vs redis: consuming"), () => {
  const { check } = differentialSuite();

  check("create with MKSTREAM, read new entries, acknowledge, inspect", (k) => [
    ["XGROUP", "CREATE", k("s"), "g", "$", "MKSTREAM"],
    ["XGROUP", "CREATE", k("s"), "g", "$", "MKSTREAM"],
    ["XINFO", "GROUPS", k("s")],
    ["XINFO", "STREAM", k("s")],
    ...addEntries(k("s"), 5),
    ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", k("s"), ">"],
    ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", k("s"), ">"],
    ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", k("s"), ">"],
    ["XPENDING", k("s"), "g"],
    ["XPENDING", k("s"), "g", "-", "+", "10"],
    ["XPENDING", k("s"), "g", "-", "+", "10", "c1"],
    ["XPENDING", k("s"), "g", "(1-0", "(5-0", "1"],
    ["XACK", k("s"), "g", "1-0", "3-0", "9-0"],
    ["XACK", k("s"), "g", "1-0"],
    ["XPENDING", k("s"), "g"],
    ["XINFO", "GROUPS", k("s")],
    ["XINFO", "CONSUMERS", k("s"), "g"],
    ["XINFO", "STREAM", k("s")],
    ["XINFO", "STREAM", k("s"), "FULL"],
    ["XLEN", k("s")],
    ["XRANGE", k("s"), "-", "+"],
    ["XREVRANGE", k("s"), "+", "-", "COUNT", "2"],
  ]);

  check("history reads count deliveries and show gone entries as nil", (k) => [
    ...addEntries(k("s"), 4),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("s"), ">"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("s"), "0"],
    ["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", k("s"), "1-0"],
    ["XPENDING", k("s"), "g", "-", "+", "10"],
    ["XDEL", k("s"), "2-0"],
    ["XTRIM", k("s"), "MINID", "2"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("s"), "0"],
    ["XPENDING", k("s"), "g", "-", "+", "10"],
    ["XREADGROUP", "GROUP", "g", "other", "STREAMS", k("s"), "0"],
    ["XINFO", "CONSUMERS", k("s"), "g"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("s"), "18446744073709551615-18446744073709551615"],
  ]);

  check("NOACK delivers without pending entries", (k) => [
    ...addEntries(k("s"), 3),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "NOACK", "COUNT", "2", "STREAMS", k("s"), ">"],
    ["XPENDING", k("s"), "g"],
    ["XINFO", "GROUPS", k("s")],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("s"), ">"],
    ["XPENDING", k("s"), "g", "-", "+", "5"],
  ]);

  check("XREADGROUP over several streams, and its refusals", (k) => [
    ...addEntries(k("a"), 2),
    ...addEntries(k("b"), 2, 5),
    ["XGROUP", "CREATE", k("a"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("a"), k("b"), ">", ">"],
    ["XGROUP", "CREATE", k("b"), "g", "$"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("a"), k("b"), ">", ">"],
    ["XADD", k("b"), "9-0", "x", "y"],
    ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", k("a"), k("b"), ">", ">"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("a"), k("b"), "0", ">"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("a"), k("a"), ">", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "1", "STREAMS", k("a"), ">"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("a"), "$"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("a"), "-"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("a")],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("a"), k("b"), ">"],
    ["XREADGROUP", "GROUP", "nope", "c", "STREAMS", k("a"), ">"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("missing"), ">"],
    ["XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", k("a"), ">"],
    ["XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", k("a"), ">"],
    ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "-1", "STREAMS", k("a"), ">"],
    ["SET", k("str"), "x"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("str"), ">"],
  ]);

  check("XREAD with $, ids, COUNT and several keys", (k) => [
    ...addEntries(k("a"), 3),
    ["XREAD", "STREAMS", k("a"), "0"],
    ["XREAD", "COUNT", "2", "STREAMS", k("a"), k("b"), "0", "0"],
    ["XREAD", "STREAMS", k("a"), "$"],
    ["XREAD", "STREAMS", k("a"), "2"],
    ["XREAD", "STREAMS", k("a"), "2-0"],
    ["XREAD", "BLOCK", "1", "STREAMS", k("a"), "3-0"],
    ["XREAD", "STREAMS", k("a"), ">"],
    ["XREAD", "NOACK", "STREAMS", k("a"), "0"],
    ["XREAD", "GROUP", "g", "c", "STREAMS", k("a"), "0"],
    ["XREAD", "STREAMS", k("a"), "0", "0"],
    ["XREAD", "COUNT", "0", "STREAMS", k("a"), "0"],
    ["XDEL", k("a"), "3-0"],
    ["XREAD", "STREAMS", k("a"), "2-0"],
  ]);
});
