/**
 * MULTI/EXEC against real Redis: queue-time refusals discard everything
 * (EXECABORT), run-time errors stay inline and the rest still runs.
 */
import { describe } from "vitest";
import { ON_ENGINE, realRedisOnly } from "../../support/store-kind.js";
import { addEntries, differentialSuite } from "./differential.js";

describe.skipIf(ON_ENGINE)(realRedisOnly("engine vs redis: transactions"), () => {
  const { check } = differentialSuite();

  check("acknowledge and read the next batch in one transaction", (k) => [
    ...addEntries(k("s"), 4),
    ["XGROUP", "CREATE", k("s"), "g", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", k("s"), ">"],
    {
      tx: [
        ["XACK", k("s"), "g", "1-0", "2-0"],
        ["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", k("s"), ">"],
        ["XPENDING", k("s"), "g"],
      ],
    },
    ["XINFO", "GROUPS", k("s")],
  ]);

  check("run-time errors stay inline and the rest runs", (k) => [
    ["SET", k("str"), "x"],
    {
      tx: [
        ["XADD", k("s"), "1-0", "f", "v"],
        ["XADD", k("str"), "1-0", "f", "v"],
        ["XADD", k("s"), "1-0", "f", "v"],
        ["INCR", k("str")],
        ["XLEN", k("s")],
      ],
    },
    ["XLEN", k("s")],
  ]);

  check("an unknown command or a wrong arity discards the whole transaction", (k) => [
    { tx: [["XADD", k("s"), "1-0", "f", "v"], ["NOSUCHCOMMAND", "a"], ["XLEN", k("s")]] },
    ["XLEN", k("s")],
    { tx: [["XADD", k("s"), "1-0", "f", "v"], ["XADD", k("s")]] },
    { tx: [["XADD", k("s"), "1-0", "f", "v"], ["XGROUP", "CREATE", k("s")]] },
    { tx: [["XADD", k("s"), "1-0", "f", "v"], ["XGROUP", "NOPE", k("s")]] },
    ["EXISTS", k("s")],
    { tx: [] },
  ]);
});
