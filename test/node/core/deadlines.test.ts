import { describe, expect, it } from "vitest";
import { Deadlines } from "../../../src/core/handle/deadlines.js";
import { fakeClock, never, settled } from "./fake-clock.js";

describe("a batch's tracked handler timeouts (maxHandlerMs)", () => {
  it("time each attempt out `ms` after it started, not after the batch's first", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    const first = deadlines.track(never()).result;
    await t.advance(30);
    const second = deadlines.track(never()).result;
    await t.advance(99);
    expect(await settled(first)).toBe("pending");
    await t.advance(100);
    expect(await settled(first)).toBe("timeout");
    expect(await settled(second)).toBe("pending");
    await t.advance(129);
    expect(await settled(second)).toBe("pending");
    await t.advance(130);
    expect(await settled(second)).toBe("timeout");
    expect(t.pending()).toBe(0);
  });

  it("answer done for work that settles in time, and pass its error on", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    let finish!: () => void;
    const slow = deadlines.track(new Promise<void>((r) => (finish = r))).result;
    const failing = deadlines.track(Promise.reject(new Error("handler broke"))).result;
    await expect(failing).rejects.toThrow("handler broke");
    await t.advance(50);
    finish();
    expect(await settled(slow)).toBe("done");
  });

  it("keep timing the attempts still open after an earlier one settled", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    let finish!: () => void;
    const quick = deadlines.track(new Promise<void>((r) => (finish = r))).result;
    await t.advance(10);
    const stuck = deadlines.track(never()).result;
    finish();
    expect(await settled(quick)).toBe("done");
    await t.advance(109);
    expect(await settled(stuck)).toBe("pending");
    await t.advance(110);
    expect(await settled(stuck)).toBe("timeout");
    expect(t.pending()).toBe(0);
  });

  it("move an extended attempt's deadline without holding up the attempts queued behind it", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    const extended = deadlines.track(never());
    const behind = deadlines.track(never()).result;
    extended.extendTo(250);
    // A deadline moved earlier is ignored.
    extended.extendTo(50);
    await t.advance(100);
    expect(await settled(behind)).toBe("timeout");
    expect(await settled(extended.result)).toBe("pending");
    await t.advance(249);
    expect(await settled(extended.result)).toBe("pending");
    await t.advance(250);
    expect(await settled(extended.result)).toBe("timeout");
    expect(t.pending()).toBe(0);
  });

  it("end an attempt at once when told to (its message was lost), and clear an extended one's own timer when it settles or the batch closes", async () => {
    const t = fakeClock();
    const deadlines = new Deadlines(100, t.clock);
    const lost = deadlines.track(never());
    lost.expire();
    expect(await settled(lost.result)).toBe("timeout");
    let finish!: () => void;
    const quick = deadlines.track(new Promise<void>((r) => (finish = r)));
    quick.extendTo(500);
    finish();
    expect(await settled(quick.result)).toBe("done");
    const open = deadlines.track(never());
    open.extendTo(900);
    deadlines.close();
    expect(t.pending()).toBe(0);
  });
});
