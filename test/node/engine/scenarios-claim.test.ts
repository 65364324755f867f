/**
 * Claiming against real Redis: XCLAIM's options, XAUTOCLAIM's cursor and
 * scan limit, and what happens to pending entries whose stream entry is gone.
 * Idle thresholds are far from the test's own running time (entries are aged
 * with XCLAIM IDLE/TIME), so both sides decide the same way.
 */
import { describe } from "vitest";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { addEntries, differentialSuite } from "./differential.js";

const AGED = "600000";
const THRESHOLD = "300000";

describe.skipIf(ON_ENGINE)(realRedisOnly("engine vs redis: claiming"), () => {
  const { check } = differentialSuite();

  check("XPENDING IDLE and XCLAIM with IDLE, TIME, JUSTID, RETRYCOUNT, FORCE, LASTID", (k) => [
    ...addEntries(k("s"), 6),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "a", "COUNT", "4", "STREAMS", k("s"), ">"],
    ["XCLAIM", k("s"), "g", "a", "0", "1-0", "2-0", "IDLE", AGED, "JUSTID"],
    ["XPENDING", k("s"), "g", "IDLE", THRESHOLD, "-", "+", "10"],
    ["XPENDING", k("s"), "g", "IDLE", THRESHOLD, "-", "+", "10", "a"],
    ["XCLAIM", k("s"), "g", "b", THRESHOLD, "1-0", "2-0", "3-0"],
    ["XPENDING", k("s"), "g", "-", "+", "10"],
    ["XCLAIM", k("s"), "g", "c", "0", "3-0", "JUSTID"],
    ["XCLAIM", k("s"), "g", "c", "0", "4-0", "RETRYCOUNT", "7", "TIME", "1"],
    ["XPENDING", k("s"), "g", "IDLE", THRESHOLD, "-", "+", "10"],
    ["XCLAIM", k("s"), "g", "c", "0", "4-0", "TIME", "99999999999999"],
    ["XCLAIM", k("s"), "g", "c", "0", "5-0", "6-0"],
    ["XCLAIM", k("s"), "g", "c", "0", "5-0", "FORCE"],
    ["XCLAIM", k("s"), "g", "d", "0", "6-0", "FORCE", "JUSTID"],
    ["XCLAIM", k("s"), "g", "d", "0", "9-0", "FORCE"],
    ["XPENDING", k("s"), "g", "-", "+", "10"],
    ["XCLAIM", k("s"), "g", "d", "0", "1-0", "LASTID", "5-0"],
    ["XCLAIM", k("s"), "g", "d", "0", "LASTID", "2-0"],
    ["XINFO", "GROUPS", k("s")],
    ["XINFO", "CONSUMERS", k("s"), "g"],
    ["XINFO", "STREAM", k("s"), "FULL"],
    ["XCLAIM", k("s"), "g", "d", "-5", "1-0", "RETRYCOUNT", "-1", "IDLE", "-5"],
    ["XCLAIM", k("s"), "g", "d", "0", "1-0", "idle", "x"],
    ["XCLAIM", k("s"), "g", "d", "0", "1-0", "TIME", "x"],
    ["XCLAIM", k("s"), "g", "d", "0", "1-0", "RETRYCOUNT", "x"],
    ["XCLAIM", k("s"), "g", "d", "0", "1-0", "BOGUS"],
    ["XCLAIM", k("s"), "g", "d", "0", "1-0", "IDLE"],
    ["XCLAIM", k("s"), "nope", "d", "0", "1-0"],
    ["XCLAIM", k("s"), "g", "d", "x", "1-0"],
  ]);

  check("XAUTOCLAIM walks the PEL with a cursor and wraps to 0-0", (k) => [
    ...addEntries(k("s"), 25),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "a", "STREAMS", k("s"), ">"],
    ["XCLAIM", k("s"), "g", "a", "0", "3-0", "7-0", "12-0", "20-0", "24-0", "IDLE", AGED, "JUSTID"],
    ["XAUTOCLAIM", k("s"), "g", "b", THRESHOLD, "0-0", "COUNT", "2"],
    ["XAUTOCLAIM", k("s"), "g", "b", THRESHOLD, "8-0", "COUNT", "2"],
    ["XAUTOCLAIM", k("s"), "g", "b", THRESHOLD, "13-0", "COUNT", "2", "JUSTID"],
    ["XAUTOCLAIM", k("s"), "g", "b", THRESHOLD, "0-0"],
    ["XPENDING", k("s"), "g", "-", "+", "30"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "(5-0", "COUNT", "3"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "-", "COUNT", "1", "JUSTID"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "+"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "25-0"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "26"],
    ["XINFO", "CONSUMERS", k("s"), "g"],
  ]);

  check("XAUTOCLAIM scans at most COUNT*10 entries per call", (k) => [
    ...addEntries(k("s"), 40),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "a", "STREAMS", k("s"), ">"],
    ["XCLAIM", k("s"), "g", "a", "0", "35-0", "IDLE", AGED, "JUSTID"],
    ["XAUTOCLAIM", k("s"), "g", "b", THRESHOLD, "0-0", "COUNT", "1"],
    ["XAUTOCLAIM", k("s"), "g", "b", THRESHOLD, "11-0", "COUNT", "1"],
    ["XAUTOCLAIM", k("s"), "g", "b", THRESHOLD, "21-0", "COUNT", "1"],
    ["XAUTOCLAIM", k("s"), "g", "b", THRESHOLD, "31-0", "COUNT", "2"],
  ]);

  check("deleted and trimmed pending entries: nil in history, purged by claims", (k) => [
    ...addEntries(k("s"), 8),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "a", "STREAMS", k("s"), ">"],
    ["XDEL", k("s"), "2-0", "5-0"],
    ["XTRIM", k("s"), "MAXLEN", "5"],
    ["XREADGROUP", "GROUP", "g", "a", "STREAMS", k("s"), "0"],
    ["XPENDING", k("s"), "g"],
    ["XCLAIM", k("s"), "g", "b", "0", "1-0", "2-0", "4-0", "6-0"],
    ["XPENDING", k("s"), "g", "-", "+", "10"],
    ["XAUTOCLAIM", k("s"), "g", "b", "0", "0", "COUNT", "2"],
    ["XAUTOCLAIM", k("s"), "g", "b", "0", "0", "COUNT", "10"],
    ["XPENDING", k("s"), "g"],
    ["XREADGROUP", "GROUP", "g", "a", "STREAMS", k("s"), "0"],
    ["XINFO", "CONSUMERS", k("s"), "g"],
    ["XINFO", "GROUPS", k("s")],
  ]);

  check("XAUTOCLAIM argument errors, in Redis's order", (k) => [
    ...addEntries(k("s"), 1),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XAUTOCLAIM", k("s"), "g", "c", "x", "0"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "bad"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "(18446744073709551615-18446744073709551615"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "0", "COUNT", "0"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "0", "COUNT", "x"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "0", "COUNT", "576460752303423487"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "0", "COUNT", "576460752303423488"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "0", "COUNT"],
    ["XAUTOCLAIM", k("s"), "g", "c", "0", "0", "FOO"],
    ["XAUTOCLAIM", k("s"), "nope", "c", "0", "0"],
    ["XAUTOCLAIM", k("missing"), "g", "c", "x", "0"],
    ["XAUTOCLAIM", k("missing"), "g", "c", "0", "0"],
  ]);
});
