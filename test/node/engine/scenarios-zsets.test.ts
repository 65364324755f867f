/**
 * Sorted sets against real Redis: what delayed delivery and rate limits
 * send (ZADD and its flags, ZRANGEBYSCORE with bounds and LIMIT, ZREM,
 * ZREMRANGEBYSCORE, ZSCORE, ZCARD), score formatting and error texts.
 */
import { describe } from "vitest";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { differentialSuite } from "./differential.js";

describe.skipIf(ON_ENGINE)(realRedisOnly("engine vs redis: sorted sets"), () => {
  const { check } = differentialSuite();

  check("ZADD and ranges by score, in score then member order, with scores as Redis writes them", (k) => [
    ["ZADD", k("z"), "1700000000000", "b", "0.1", "a", "3", "c", "3", "bb", "1e300", "d", "-inf", "e"],
    ["ZRANGEBYSCORE", k("z"), "-inf", "+inf", "WITHSCORES"],
    ["ZRANGEBYSCORE", k("z"), "(0.1", "3"],
    ["ZRANGEBYSCORE", k("z"), "0", "(3", "withscores"],
    ["ZRANGEBYSCORE", k("z"), "-inf", "inf", "LIMIT", "1", "2"],
    ["ZRANGEBYSCORE", k("z"), "-inf", "inf", "LIMIT", "2", "-1", "WITHSCORES"],
    ["ZRANGEBYSCORE", k("z"), "-inf", "inf", "LIMIT", "-1", "2"],
    ["ZRANGEBYSCORE", k("z"), "5", "1"],
    ["ZSCORE", k("z"), "a"],
    ["ZSCORE", k("z"), "b"],
    ["ZSCORE", k("z"), "d"],
    ["ZSCORE", k("z"), "nope"],
    ["ZCARD", k("z")],
    ["TYPE", k("z")],
    ["ZRANGEBYSCORE", k("missing"), "-inf", "+inf"],
  ]);

  check("ZRANGE by index, as the delayed listing and the dead-letter reference floor send it", (k) => [
    ["ZADD", k("z"), "3", "c", "1", "a", "2", "b", "2", "bb"],
    ["ZRANGE", k("z"), "0", "0"],
    ["ZRANGE", k("z"), "0", "-1", "WITHSCORES"],
    ["ZRANGE", k("z"), "1", "2", "withscores"],
    ["ZRANGE", k("z"), "-2", "-1"],
    ["ZRANGE", k("z"), "2", "100"],
    ["ZRANGE", k("z"), "5", "9"],
    ["ZRANGE", k("z"), "3", "1"],
    ["ZRANGE", k("missing"), "0", "-1", "WITHSCORES"],
    ["ZRANGE", k("z"), "0", "1", "NOPE"],
  ]);

  check("ZADD flags: NX, XX, GT, LT, CH, INCR, and the combinations Redis refuses", (k) => [
    ["ZADD", k("z"), "1", "a", "2", "b"],
    ["ZADD", k("z"), "NX", "5", "a", "5", "c"],
    ["ZADD", k("z"), "XX", "6", "a", "6", "d"],
    ["ZADD", k("z"), "CH", "7", "a", "8", "e", "2", "b"],
    ["ZADD", k("z"), "GT", "CH", "1", "a", "9", "b"],
    ["ZADD", k("z"), "LT", "CH", "1", "a", "10", "b"],
    ["ZADD", k("z"), "INCR", "2.5", "a"],
    ["ZADD", k("z"), "NX", "INCR", "2.5", "a"],
    ["ZADD", k("z"), "XX", "INCR", "1", "new"],
    ["ZRANGEBYSCORE", k("z"), "-inf", "+inf", "WITHSCORES"],
    ["ZADD", k("z"), "NX", "XX", "1", "a"],
    ["ZADD", k("z"), "GT", "LT", "1", "a"],
    ["ZADD", k("z"), "GT", "NX", "1", "a"],
    ["ZADD", k("z"), "INCR", "1", "a", "2", "b"],
    ["ZADD", k("z"), "nan", "a"],
    ["ZADD", k("z"), "abc", "a"],
    ["ZADD", k("z"), "1"],
    ["ZADD", k("z"), "1", "a", "2"],
    ["ZRANGEBYSCORE", k("z"), "x", "1"],
    ["ZRANGEBYSCORE", k("z"), "0", "1", "LIMIT", "0"],
    ["ZRANGEBYSCORE", k("z"), "0", "1", "BOGUS"],
    ["SET", k("s"), "x"],
    ["ZADD", k("s"), "1", "a"],
    ["ZRANGEBYSCORE", k("s"), "0", "1"],
  ]);

  check("ZREM and ZREMRANGEBYSCORE remove, and an emptied set is gone", (k) => [
    ["ZADD", k("z"), "1", "a", "2", "b", "3", "c", "4", "d"],
    ["ZREM", k("z"), "a", "zz"],
    ["ZREMRANGEBYSCORE", k("z"), "(2", "3"],
    ["ZRANGEBYSCORE", k("z"), "-inf", "+inf"],
    ["ZREMRANGEBYSCORE", k("z"), "-inf", "+inf"],
    ["EXISTS", k("z")],
    ["ZREM", k("z"), "b"],
    ["ZCARD", k("z")],
  ]);
});
