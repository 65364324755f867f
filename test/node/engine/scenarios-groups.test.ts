/**
 * Group bookkeeping against real Redis: entries-read and lag (including nil
 * lag once a tombstone lies ahead), SETID, DELCONSUMER, and when a consumer
 * counts as seen (checked with pauses long enough to show in idle times).
 */
import { describe } from "vitest";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { addEntries, differentialSuite } from "./differential.js";

describe.skipIf(ON_ENGINE)(realRedisOnly("engine vs redis: groups"), () => {
  const { check } = differentialSuite();

  check("entries-read and lag through reads, deletes, trims and SETID", (k) => [
    ["XGROUP", "CREATE", k("s"), "g", "0", "MKSTREAM"],
    ["XINFO", "GROUPS", k("s")],
    ...addEntries(k("s"), 6),
    ["XGROUP", "CREATE", k("s"), "late", "$"],
    ["XGROUP", "CREATE", k("s"), "mid", "3-0"],
    ["XGROUP", "CREATE", k("s"), "known", "3-0", "ENTRIESREAD", "3"],
    ["XINFO", "GROUPS", k("s")],
    ["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", k("s"), ">"],
    ["XREADGROUP", "GROUP", "mid", "c", "COUNT", "1", "STREAMS", k("s"), ">"],
    ["XINFO", "GROUPS", k("s")],
    ["XDEL", k("s"), "5-0"],
    ["XINFO", "GROUPS", k("s")],
    ["XINFO", "STREAM", k("s")],
    ["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", k("s"), ">"],
    ["XINFO", "GROUPS", k("s")],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k("s"), ">"],
    ["XINFO", "GROUPS", k("s")],
    ["XDEL", k("s"), "1-0"],
    ["XTRIM", k("s"), "MAXLEN", "2"],
    ["XINFO", "STREAM", k("s")],
    ["XINFO", "GROUPS", k("s")],
    ["XGROUP", "SETID", k("s"), "g", "0"],
    ["XINFO", "GROUPS", k("s")],
    ["XGROUP", "SETID", k("s"), "g", "$", "ENTRIESREAD", "6"],
    ["XGROUP", "SETID", k("s"), "mid", "-"],
    ["XGROUP", "SETID", k("s"), "late", "+"],
    ["XINFO", "GROUPS", k("s")],
    ...addEntries(k("s"), 2, 7),
    ["XINFO", "GROUPS", k("s")],
    ["XTRIM", k("s"), "MAXLEN", "0"],
    ["XINFO", "STREAM", k("s")],
    ["XINFO", "GROUPS", k("s")],
    ["XGROUP", "CREATE", k("s"), "x", "0", "ENTRIESREAD", "-5"],
    ["XGROUP", "SETID", k("s"), "g", "0", "ENTRIESREAD", "x"],
  ]);

  check("SETID rewinds: redelivery moves pending entries and resets their count", (k) => [
    ...addEntries(k("s"), 3),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "a", "STREAMS", k("s"), ">"],
    ["XREADGROUP", "GROUP", "g", "a", "STREAMS", k("s"), "0"],
    ["XGROUP", "SETID", k("s"), "g", "1-0"],
    ["XREADGROUP", "GROUP", "g", "b", "STREAMS", k("s"), ">"],
    ["XPENDING", k("s"), "g", "-", "+", "10"],
    ["XPENDING", k("s"), "g"],
    ["XGROUP", "SETID", k("s"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", k("s"), ">"],
    ["XPENDING", k("s"), "g", "-", "+", "10"],
  ]);

  check("DELCONSUMER drops its pending entries for good; CREATECONSUMER", (k) => [
    ...addEntries(k("s"), 4),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XGROUP", "CREATECONSUMER", k("s"), "g", "idle"],
    ["XGROUP", "CREATECONSUMER", k("s"), "g", "idle"],
    ["XREADGROUP", "GROUP", "g", "a", "COUNT", "3", "STREAMS", k("s"), ">"],
    ["XINFO", "CONSUMERS", k("s"), "g"],
    ["XGROUP", "DELCONSUMER", k("s"), "g", "a"],
    ["XGROUP", "DELCONSUMER", k("s"), "g", "a"],
    ["XPENDING", k("s"), "g"],
    ["XREADGROUP", "GROUP", "g", "b", "STREAMS", k("s"), ">"],
    ["XAUTOCLAIM", k("s"), "g", "b", "0", "0"],
    ["XINFO", "CONSUMERS", k("s"), "g"],
    ["XINFO", "GROUPS", k("s")],
    ["XGROUP", "DESTROY", k("s"), "g"],
    ["XGROUP", "DESTROY", k("s"), "g"],
    ["XINFO", "GROUPS", k("s")],
    ["XGROUP", "CREATECONSUMER", k("s"), "g", "x"],
    ["XGROUP", "DELCONSUMER", k("s"), "g", "x"],
    ["XGROUP", "SETID", k("s"), "g", "0"],
    ["XGROUP", "DESTROY", k("missing"), "g"],
    ["XGROUP", "CREATE", k("missing"), "g", "0"],
    ["XGROUP", "CREATE", k("s"), "h", "+"],
    ["XGROUP", "CREATE", k("s"), "h", "bad"],
    ["XGROUP", "CREATE", k("s"), "h", "0", "FOO"],
    ["XGROUP", "SETID", k("s"), "h", "0", "MKSTREAM"],
  ]);

  check("groups and consumers are listed in byte order, not UTF-16 order", (k) => [
    ...addEntries(k("s"), 3),
    ...["z", "Z", "é", "ｱ", "😀", "a b"].flatMap((name) => [
      ["XGROUP", "CREATE", k("s"), name, "0"],
      ["XGROUP", "CREATECONSUMER", k("s"), "z", name],
    ]),
    ["XREADGROUP", "GROUP", "z", "😀", "COUNT", "1", "STREAMS", k("s"), ">"],
    ["XREADGROUP", "GROUP", "z", "ｱ", "STREAMS", k("s"), ">"],
    ["XINFO", "GROUPS", k("s")],
    ["XINFO", "CONSUMERS", k("s"), "z"],
    ["XPENDING", k("s"), "z"],
    ["XINFO", "STREAM", k("s"), "FULL"],
  ]);

  check("which commands mark a consumer as seen", (k) => [
    ...addEntries(k("s"), 2),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XGROUP", "CREATECONSUMER", k("s"), "g", "a"],
    ["XGROUP", "CREATECONSUMER", k("s"), "g", "b"],
    ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", k("s"), ">"],
    { sleep: 150 },
    ["XREADGROUP", "GROUP", "g", "a", "STREAMS", k("s"), ">"],
    ["XREADGROUP", "GROUP", "g", "b", "STREAMS", k("s"), ">"],
    ["XCLAIM", k("s"), "g", "c", "999999999", "1-0"],
    ["XAUTOCLAIM", k("s"), "g", "c", "999999999", "0"],
    ["XPENDING", k("s"), "g", "-", "+", "10", "c"],
    ["XINFO", "CONSUMERS", k("s"), "g"],
    { sleep: 150 },
    ["XREADGROUP", "GROUP", "g", "b", "STREAMS", k("s"), "0"],
    ["XCLAIM", k("s"), "g", "a", "0", "1-0", "JUSTID"],
    ["XINFO", "CONSUMERS", k("s"), "g"],
    ["XINFO", "STREAM", k("s"), "FULL"],
  ]);
});
