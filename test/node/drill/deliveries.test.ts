/**
 * The drill's delivery log reads, from the bridge's answers, which ids each
 * XREADGROUP and XAUTOCLAIM delivered: the k-th answer holding an id is its
 * delivery k, which the accounting matches against the handler's attempts.
 */
import { describe, expect, it } from "vitest";
import { deliveredIds, deliveryLog } from "../../../tools/drill/faults/deliveries.js";

const S = "orders:payments";
const read = ["XREADGROUP", "GROUP", "g", "c", "COUNT", "50", "STREAMS", S, "gate", ">", ">"];
const claim = ["XAUTOCLAIM", S, "g", "c", "6000", "0-0", "COUNT", "50"];

describe("drill delivery log", () => {
  it.each<[string, string[], unknown, string[]]>([
    ["a read's entries of the stream", read, [[S, [["1-0", ["a", "1"]], ["2-0", ["a", "2"]]]], ["gate", [["9-0", ["x", "1"]]]]], ["1-0", "2-0"]],
    ["a read of nothing", read, null, []],
    ["a claim's entries, a trimmed one (nil) counted too", claim, ["0-0", [["3-0", ["a", "1"]], null, ["4-0", null]], []], ["3-0", "4-0"]],
    ["a claim of another stream", ["XAUTOCLAIM", "other", "g", "c", "1", "0-0"], ["0-0", [["3-0", []]], []], []],
    ["an XPENDING listing (not a delivery)", ["XPENDING", S, "g", "IDLE", "5000", "-", "+", "150"], [["3-0", "c", 7000, 2]], []],
  ])("%s", (_, argv, reply, ids) => {
    expect(deliveredIds(argv, reply, S)).toEqual(ids);
  });

  it("numbers each id's deliveries in the order the answers left, dropped or not", () => {
    const log = deliveryLog(S, Date.now());
    log.record([read], [{ result: [[S, [["1-0", ["a", "1"]]]]] }], false);
    log.record([["XPENDING", S, "g"], claim], [{ result: [] }, { result: ["0-0", [["1-0", ["a", "1"]]], []] }], true);
    log.record([claim], [{ error: "ERR boom" }], false);
    expect(log.byId.get("1-0")?.map((d) => d.dropped)).toEqual([false, true]);
  });
});
