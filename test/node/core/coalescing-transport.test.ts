/** The coalescer's own bookkeeping, over transports that misbehave (Redis behaviour is tested in partitions-coalescing.test.ts). */
import { describe, expect, it } from "vitest";
import { coalescingTransport } from "../../../src/core/coalescing-transport.js";
import { TransportError } from "../../../src/core/errors.js";
import type { Transport } from "../../../src/core/transport.js";

const opts = { maxRequestBytes: 64 * 1024 };

describe("coalescingTransport", () => {
  it("settles its caller when the transport throws instead of rejecting", async () => {
    const throwing: Transport = {
      pipeline: () => {
        throw new TransportError("thrown");
      },
      transaction: () => {
        throw new TransportError("thrown");
      },
    };
    await expect(coalescingTransport(throwing, opts).pipeline([["PING"]])).rejects.toThrow("thrown");
  });

  it("rejects every caller of a merged request answered with the wrong number of outcomes", async () => {
    const short: Transport = { pipeline: async () => [{ result: "PONG" }], transaction: async () => [] };
    const t = coalescingTransport(short, opts);
    const both = await Promise.allSettled([t.pipeline([["PING"]]), t.pipeline([["PING"]])]);
    expect(both.map((r) => r.status === "rejected" && r.reason instanceof TransportError)).toEqual([true, true]);
  });

  it("sends callers whose commands together pass maxRequestBytes in separate requests", async () => {
    const sizes: number[] = [];
    const echo: Transport = { pipeline: async (c) => (sizes.push(c.length), c.map(() => ({ result: "OK" }))), transaction: async () => [] };
    const t = coalescingTransport(echo, opts);
    const big = "x".repeat(40 * 1024);
    await Promise.all([t.pipeline([["SET", "a", big]]), t.pipeline([["SET", "b", big]]), t.pipeline([["GET", "c"]])]);
    expect(sizes.sort()).toEqual([1, 2]);
  });
});
