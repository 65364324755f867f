/**
 * Adding and trimming against real Redis, where node packing shows: `~`
 * removes whole listpack nodes only (100 entries or 4096 bytes each), LIMIT
 * caps the work, and XINFO's radix-tree-keys counts the nodes.
 */
import { describe } from "vitest";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { addEntries, differentialSuite } from "./differential.js";

const info = (key: string) => ["XINFO", "STREAM", key];

describe.skipIf(ON_ENGINE)(realRedisOnly("engine vs redis: adding and trimming"), () => {
  const { check } = differentialSuite();

  check("~ trims whole 100-entry nodes, = trims exactly", (k) => [
    ...addEntries(k("s"), 250),
    info(k("s")),
    ["XTRIM", k("s"), "MAXLEN", "~", "120"],
    ["XTRIM", k("s"), "MAXLEN", "~", "10", "LIMIT", "50"],
    ["XTRIM", k("s"), "MAXLEN", "~", "10", "LIMIT", "100"],
    info(k("s")),
    ["XTRIM", k("s"), "MAXLEN", "=", "45"],
    ["XTRIM", k("s"), "MAXLEN", "45"],
    info(k("s")),
    ["XTRIM", k("s"), "MINID", "~", "230"],
    ["XTRIM", k("s"), "MINID", "230"],
    ["XTRIM", k("s"), "MINID", "~", "240", "LIMIT", "0"],
    info(k("s")),
    ["XRANGE", k("s"), "-", "+", "COUNT", "3"],
  ]);

  check("nodes split by bytes for larger entries", (k) => [
    ...addEntries(k("s"), 60, 1, (i) => ["payload", "x".repeat(100 + (i % 7) * 30)]),
    info(k("s")),
    ["XTRIM", k("s"), "MAXLEN", "~", "30"],
    info(k("s")),
    ...addEntries(k("t"), 30, 1, (i) => (i % 3 ? ["a", String(i * 1000), "b", "y".repeat(i * 5)] : ["other", "z".repeat(300)])),
    info(k("t")),
    ["XTRIM", k("t"), "MAXLEN", "~", "5"],
    info(k("t")),
    ...addEntries(k("u"), 12, 1, () => ["big", "q".repeat(1000)]),
    info(k("u")),
    ["XADD", k("u"), "MAXLEN", "~", "3", "13-0", "big", "q"],
    info(k("u")),
  ]);

  check("tombstones count towards a node until the node goes", (k) => [
    ...addEntries(k("s"), 150),
    ["XDEL", k("s"), ...Array.from({ length: 20 }, (_, i) => `${i + 90}-0`)],
    info(k("s")),
    ["XDEL", k("s"), ...Array.from({ length: 30 }, (_, i) => `${i + 121}-0`)],
    info(k("s")),
    ...addEntries(k("s"), 60, 200),
    info(k("s")),
    ["XTRIM", k("s"), "MAXLEN", "~", "100"],
    info(k("s")),
    ["XTRIM", k("s"), "MINID", "215"],
    ["XDEL", k("s"), "216-0", "217-0", "259-0"],
    info(k("s")),
    ["XTRIM", k("s"), "MINID", "=", "218"],
    info(k("s")),
  ]);

  check("XADD: ids, NOMKSTREAM, trimming options and their errors", (k) => [
    ["XADD", k("s"), "NOMKSTREAM", "1-1", "f", "v"],
    ["EXISTS", k("s")],
    ["XADD", k("s"), "0-0", "f", "v"],
    ["XADD", k("s"), "0-*", "f", "v"],
    ["XADD", k("s"), "0-*", "f", "v"],
    ["XADD", k("s"), "5", "f", "v"],
    ["XADD", k("s"), "5", "f", "v"],
    ["XADD", k("s"), "5-*", "f", "v"],
    ["XADD", k("s"), "4-*", "f", "v"],
    ["XADD", k("s"), "7-3", "f", "v", "g", "w"],
    ["XADD", k("s"), "MAXLEN", "2", "8-0", "f", "v"],
    ["XADD", k("s"), "MINID", "=", "8", "9-0", "f", "v"],
    ["XADD", k("s"), "maxlen", "~", "1", "limit", "5", "10-0", "f", "v"],
    ["XADD", k("s"), "NOMKSTREAM", "MAXLEN", "0", "11-0", "f", "v"],
    info(k("s")),
    ["XADD", k("s"), "MAXLEN", "~", "x", "12-0", "f", "v"],
    ["XADD", k("s"), "MAXLEN", "-1", "12-0", "f", "v"],
    ["XADD", k("s"), "MAXLEN", "1", "LIMIT", "10", "12-0", "f", "v"],
    ["XADD", k("s"), "LIMIT", "10", "12-0", "f", "v"],
    ["XADD", k("s"), "LIMIT", "0", "12-0", "f", "v"],
    ["XADD", k("s"), "MAXLEN", "~", "1", "LIMIT", "-1", "12-0", "f", "v"],
    ["XADD", k("s"), "MAXLEN", "1", "MINID", "1", "12-0", "f", "v"],
    ["XADD", k("s"), "MINID", "~", "x", "12-0", "f", "v"],
    ["XADD", k("s"), "12-0", "f"],
    ["XADD", k("s"), "MAXLEN", "5"],
    ["XADD", k("s"), "bad", "f", "v"],
    ["XADD", k("s"), "18446744073709551615-18446744073709551615", "f", "v"],
    ["XADD", k("s"), "18446744073709551615-*", "f", "v"],
    ["XADD", k("s2"), "18446744073709551615-*", "f", "v"],
    ["XADD", k("s2"), "18446744073709551615-*", "f", "v"],
    ["SET", k("str"), "x"],
    ["XADD", k("str"), "1-1", "f", "v"],
  ]);

  check("XTRIM and XDEL edge cases", (k) => [
    ...addEntries(k("s"), 5),
    ["XTRIM", k("s"), "MAXLEN", "x"],
    ["XTRIM", k("s"), "FOO", "1"],
    ["XTRIM", k("s"), "LIMIT", "10", "MAXLEN", "1"],
    ["XTRIM", k("s"), "LIMIT", "0", "MAXLEN", "1"],
    ["XTRIM", k("s"), "MAXLEN", "~", "1", "LIMIT", "0", "LIMIT"],
    ["XTRIM", k("s"), "MINID", "-"],
    ["XTRIM", k("s"), "MAXLEN", "0", "extra"],
    ["XTRIM", k("missing"), "MAXLEN", "0"],
    ["XDEL", k("missing"), "bad"],
    ["XDEL", k("s"), "bad"],
    ["XDEL", k("s"), "1-0", "1-0", "1", "9-0"],
    ["XDEL", k("s"), "5-0"],
    info(k("s")),
    ["XDEL", k("s"), "2-0", "3-0", "4-0"],
    info(k("s")),
    ["XADD", k("s"), "6-0", "f", "v"],
    info(k("s")),
  ]);

  check("ranges: exclusive bounds, incomplete ids, COUNT", (k) => [
    ...addEntries(k("s"), 3),
    ["XADD", k("s"), "3-5", "x", "y"],
    ["XRANGE", k("s"), "(1-0", "(3-5"],
    ["XRANGE", k("s"), "2", "3"],
    ["XRANGE", k("s"), "(2", "+"],
    ["XRANGE", k("s"), "-", "(0-0"],
    ["XRANGE", k("s"), "(18446744073709551615-18446744073709551615", "+"],
    ["XRANGE", k("s"), "(-", "+"],
    ["XRANGE", k("s"), " 2", "+2"],
    ["XRANGE", k("s"), "-01", "+"],
    ["XRANGE", k("s"), "007", "+"],
    ["XRANGE", k("s"), "-", "+", "COUNT", "0"],
    ["XRANGE", k("s"), "-", "+", "COUNT", "-3"],
    ["XRANGE", k("s"), "-", "+", "COUNT", "1", "COUNT", "2"],
    ["XRANGE", k("s"), "-", "+", "COUNT"],
    ["XRANGE", k("missing"), "-", "+", "COUNT", "0"],
    ["XREVRANGE", k("s"), "3", "2"],
    ["XREVRANGE", k("s"), "(3-5", "-", "COUNT", "2"],
    ["XREVRANGE", k("s"), "-", "+"],
    ["XLEN", k("s")],
    ["XLEN", k("missing")],
  ]);
});
