/**
 * Handlers of one batch run side by side, exactly `concurrency` at a time.
 * Each handler waits at a barrier that opens only once `concurrency` of them
 * are in flight, so a serial (or under-parallel) run times every handler
 * out, and one lane too many shows as a maximum above the limit.
 */
import { describe, expect, it } from "vitest";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();

function barrier(size: number) {
  let inFlight = 0;
  let max = 0;
  let waiting: (() => void)[] = [];
  return {
    get max() {
      return max;
    },
    async pass(): Promise<void> {
      inFlight += 1;
      max = Math.max(max, inFlight);
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === size) {
          for (const release of waiting) release();
          waiting = [];
        }
      });
      inFlight -= 1;
    },
  };
}

describe("concurrency", () => {
  it("runs a batch's handlers exactly `concurrency` at a time, never more", async () => {
    const CONCURRENCY = 3;
    const gate = barrier(CONCURRENCY);
    const fn = f.fn({
      handle: () => gate.pass(),
      options: { batchSize: 9, concurrency: CONCURRENCY, handlerTimeoutMs: 2_000, maxDeliveries: 1 },
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, Array.from({ length: 9 }, (_, i) => ({ n: String(i) })));

    const report = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });

    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ read: 9, acked: 9 });
    expect(gate.max).toBe(CONCURRENCY);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
