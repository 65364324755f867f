import { describe, expect, it } from "vitest";
import { pauseStop } from "../../../../src/core/features/run/pause-stop.js";
import { emptyFetch } from "../../../../src/core/handle/fetched.js";
import { message, scope } from "./scope.js";

describe("the pause feature", () => {
  it("probes the pause gate only beside recovery (reads name the gate themselves)", () => {
    const f = pauseStop(scope());
    expect(f.ride!("read")).toBeUndefined();
    expect(f.ride!("recover")!.ops.map((o) => o.command)).toEqual([["TYPE", "{s}:cronsumer-pause:g"]]);
  });

  it("puts back everything a recovery claimed once the probe says paused, restoring each delivery count, and stops", async () => {
    const s = scope();
    const f = pauseStop(s);
    f.ride!("recover")!.replies!([{ ok: true, value: "string" }]);
    const claimed = { ...emptyFetch(), toHandle: [message("1-0", {}, 3), { ...message("2-0", {}, 4), priorDeliveries: 1 }], expired: [{ message: message("3-0", {}, 6), deliveries: 5 }] };
    const admitted = await f.admit!(undefined as never, claimed);
    expect(admitted.toHandle).toEqual([]);
    expect(admitted.expired).toEqual([]);
    expect(admitted.released).toEqual([
      { id: "1-0", stream: "s", retryCount: 2 },
      { id: "2-0", stream: "s", retryCount: 2 },
      { id: "3-0", stream: "s", retryCount: 5 },
    ]);
    expect(s.stops).toEqual(["paused"]);
  });

  it("lets a run go on while the gate is a stream, and stops on a read refused with WRONGTYPE only", async () => {
    const f = pauseStop(scope());
    f.ride!("recover")!.replies!([{ ok: true, value: "stream" }]);
    const batch = { ...emptyFetch(), toHandle: [message("1-0")] };
    expect(await f.admit!(undefined as never, batch)).toBe(batch);
    expect(f.refused!("read", "WRONGTYPE Operation against a key")).toBe("paused");
    expect(f.refused!("read", "NOGROUP No such key")).toBeUndefined();
  });
});
