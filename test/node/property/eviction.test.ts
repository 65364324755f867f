/**
 * The property harness's eviction (test/property/eviction.ts): a handler
 * call running when its invocation is evicted ends then, for the history,
 * as a Worker's would with its isolate. Without that, a slow handler's timer
 * went on in Node beside the next invocation's attempt of the same message,
 * and the keyConcurrency invariant counted two of one key at once (a merged
 * fuzz finding under load, seed 202, that no replay reproduced: it depended
 * on real time).
 */
import { describe, expect, it } from "vitest";
import { asInvocation, endOnEviction } from "../../property/eviction.js";
import { History } from "../../property/history.js";
import type { Delivered } from "../../../src/core/define/define.js";

const message: Delivered = { id: "1-0", stream: "s", group: "g0", fields: { n: "0", k: "a" }, attempt: 1 };

/** A call of the message that stays running until `release` settles, as a slow handler's. */
function slowCall(history: History, release: Promise<void>): Promise<void> {
  return (async () => {
    const call = history.begin("g0", message);
    const forget = endOnEviction(() => history.end(call));
    await release;
    forget();
    history.end(call);
  })();
}

describe("an evicted invocation's running handler calls", () => {
  it("end with the eviction, so the next invocation's attempt of the same key does not overlap them", async () => {
    const clock = { now: () => 0, handling: 0 };
    const history = new History(clock);
    const at = (t: number) => (clock.now = () => t);
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const first = asInvocation(() => slowCall(history, slow));
    at(10);
    first.evict();
    at(20);
    await asInvocation(() => slowCall(history, Promise.resolve())).result;
    release();
    await first.result;
    expect(history.mostAtOnce).toBe(1);
    expect(clock.handling).toBe(0);
    expect(history.calls.map((c) => [c.start, c.end])).toEqual([
      [0, 10],
      [20, 20],
    ]);
  });

  it("still overlap while their invocation lives", async () => {
    const history = new History({ now: () => 0, handling: 0 });
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const first = asInvocation(() => slowCall(history, slow));
    await asInvocation(() => slowCall(history, Promise.resolve())).result;
    release();
    await first.result;
    expect(history.mostAtOnce).toBe(2);
  });
});
