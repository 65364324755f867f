/**
 * The drill's check of delayed orders, over plain values: once in the
 * stream, never before due, within one tick of due unless a Worker outage
 * held every run back.
 */
import { describe, expect, it } from "vitest";
import { checkDelayed, SLACK_MS } from "../../../tools/drill/delayed.js";
import type { Entry } from "../../../tools/drill/reader.js";

const entry = (key: string, ms: number, seq = 0): Entry => ({ id: `${ms}-${seq}`, fields: { orderID: key, amount: "1.00" } });
const TICK = 1_000;
const verdicts = (r: ReturnType<typeof checkDelayed>) => r.invariants.map((i) => i.ok);

describe("checkDelayed", () => {
  it("passes orders that entered once, after due, within a tick", () => {
    const r = checkDelayed(new Map([["a", 10_000], ["b", 20_000]]), [entry("a", 10_400), entry("b", 20_000 + TICK + SLACK_MS)], TICK);
    expect(verdicts(r)).toEqual([true, true, true]);
    expect(r.streamIds).toEqual(new Map([["a", "10400-0"], ["b", "22000-0"]]));
  });

  it.each([
    ["one that never entered", [entry("b", 20_100)], [false, true, true]],
    ["one that entered twice", [entry("a", 10_100), entry("a", 10_200), entry("b", 20_100)], [false, true, true]],
    ["one that entered before due", [entry("a", 9_999), entry("b", 20_100)], [true, false, true]],
    ["one that entered more than a tick late", [entry("a", 10_000 + TICK + SLACK_MS + 1), entry("b", 20_100)], [true, true, false]],
  ] as const)("fails %s", (_, stream, expected) => {
    expect(verdicts(checkDelayed(new Map([["a", 10_000], ["b", 20_000]]), stream, TICK))).toEqual(expected);
  });

  it("measures lateness from the end of a Worker outage that overlapped the wait, and only then", () => {
    const due = new Map([["a", 10_000]]);
    const late = [entry("a", 18_500)];
    expect(verdicts(checkDelayed(due, late, TICK, [{ from: 9_000, to: 18_000 }]))).toEqual([true, true, true]);
    expect(verdicts(checkDelayed(due, late, TICK, [{ from: 1_000, to: 5_000 }]))).toEqual([true, true, false]);
  });

  it("allows until the first cron tick after due when ticks came late, and no longer", () => {
    const due = new Map([["a", 10_000]]);
    // The machine was busy: no tick between 10.2 s and 14 s.
    const ticks = [9_200, 10_200 - 1_000, 14_000, 15_000];
    expect(verdicts(checkDelayed(due, [entry("a", 14_300)], TICK, [], ticks))).toEqual([true, true, true]);
    expect(verdicts(checkDelayed(due, [entry("a", 15_100 + SLACK_MS)], TICK, [], ticks))).toEqual([true, true, false]);
  });
});
