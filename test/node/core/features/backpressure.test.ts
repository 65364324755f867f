import { describe, expect, it } from "vitest";
import { backpressure } from "../../../../src/core/features/run/backpressure.js";
import { emptyFetch } from "../../../../src/core/handle/fetched.js";
import { message, scope } from "./scope.js";

const first = (pendingAtStart: number, gateOpen = true) => ({ pendingAtStart, entries: [], requested: 0, gateOpen, promoted: 0, promotedAfterRead: false });
const fetchedOf = (n: number) => ({ ...emptyFetch(), toHandle: Array.from({ length: n }, (_, i) => message(`${i}-0`)) });

describe("the backpressure feature", () => {
  it("is absent with noAck: nothing is ever pending", () => {
    expect(backpressure(scope({ noAck: true }))).toBeUndefined();
  });

  it("names the gate in the first read", () => {
    expect(backpressure(scope())!.first!().gate).toBe("{s}:cronsumer-gate");
  });

  it("stops new reads at maxPending and closes the gate in the commit, then reopens it as commits settle", () => {
    const s = scope({ maxPending: 5 });
    const f = backpressure(s)!;
    f.started!(first(3), fetchedOf(2));
    expect(f.next!("read", 10)).toEqual({ stop: "drained" });
    expect(s.report.backpressure).toBe(true);
    expect(f.next!("recover", 10)).toEqual({ size: 10 });
    expect(f.ride!("last")!.ops.map((o) => o.command)).toEqual([["DEL", "{s}:cronsumer-gate"]]);
    f.settling!(1);
    expect(f.next!("read", 10)).toEqual({ size: 10 });
    expect(f.ride!("read")!.ops.map((o) => o.command[0])).toEqual(["XGROUP"]);
    expect(f.ride!("read")).toBeUndefined();
  });

  it("counts what reads bring, not what recovery reclaims (already pending)", () => {
    const f = backpressure(scope({ maxPending: 4 }))!;
    f.started!(first(0), fetchedOf(0));
    f.fetched!("recover", fetchedOf(10), 10);
    expect(f.next!("read", 1)).toEqual({ size: 1 });
    f.fetched!("read", fetchedOf(4), 4);
    expect(f.next!("read", 1)).toEqual({ stop: "drained" });
  });
});
