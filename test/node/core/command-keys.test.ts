import { describe, expect, it } from "vitest";
import { commandKeys } from "../../../src/core/redis/command-keys.js";
import { functionOfKey, reportsKey, samplesKey } from "../../../src/core/redis/keys.js";

describe("the keys a command names, for routing it to its database", () => {
  it.each([
    [["XADD", "{o:p1}", "*", "a", "1"], ["{o:p1}"]],
    [["XREADGROUP", "GROUP", "g", "c", "COUNT", 10, "STREAMS", "{o:p1}", "{o:p1}:cronsumer-gate", ">", ">"], ["{o:p1}", "{o:p1}:cronsumer-gate"]],
    [["XREADGROUP", "GROUP", "streams", "STREAMS", "COUNT", 1, "BLOCK", 0, "NOACK", "STREAMS", "{o:p2}", ">"], ["{o:p2}"]],
    [["XREAD", "COUNT", 5, "STREAMS", "{o:p3}", "0-0"], ["{o:p3}"]],
    [["EVAL", "return 1", 2, "k1", "k2", "arg"], ["k1", "k2"]],
    [["EVALSHA", "abc", 0, "arg"], []],
    [["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"], ["s"]],
    [["XINFO", "GROUPS", "s"], ["s"]],
    [["DEL", "a", "b"], ["a", "b"]],
    [["MGET", "a", "b"], ["a", "b"]],
    [["PING"], []],
    [["LRANGE", "cronsumer:runs:f-p1", 0, 4], ["cronsumer:runs:f-p1"]],
  ])("%j names %j", (command, keys) => {
    expect(commandKeys(command as [string, ...string[]])).toEqual(keys);
  });

  it("finds the function of a run-reports or samples key, and nothing in other keys", () => {
    expect(functionOfKey(reportsKey("orders-p3"))).toBe("orders-p3");
    expect(functionOfKey(samplesKey("orders-p3"))).toBe("orders-p3");
    expect(functionOfKey("cronsumer:idem:6:orders:k")).toBeUndefined();
  });
});
