/** The coalescer's own bookkeeping, over transports that misbehave (Redis behaviour is tested in partitions-coalescing.test.ts). */
import { describe, expect, it } from "vitest";
import { coalescingTransport } from "../../../src/core/redis/coalescing-transport.js";
import { countingTransport } from "../../../src/core/redis/counting-transport.js";
import { RedisReplyError, TransportError } from "../../../src/core/redis/errors.js";
import type { Transport } from "../../../src/core/redis/transport.js";

const opts = { maxRequestBytes: 64 * 1024 };

/** A coalescer over `answer` for transactions, recording how many commands each request it sends carries. */
function transactions(answer: Transport["transaction"]) {
  const sent: number[] = [];
  const inner: Transport = { pipeline: async () => [], transaction: (c) => (sent.push(c.length), answer(c)) };
  return { sent, t: coalescingTransport(inner, opts) };
}

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

  it("sends no caller again when a merged transaction fails with an error reply other than EXECABORT: each learns its outcome is unknown", async () => {
    // An error reply to the whole request that does not prove nothing ran (a proxy's, say): part may have committed.
    const { sent, t } = transactions(async () => {
      throw new RedisReplyError("ERR something went wrong after EXEC started");
    });
    const both = await Promise.allSettled([t.transaction([["SET", "{o:p0}:k", "a"]]), t.transaction([["SET", "{o:p1}:k", "b"]])]);
    expect(sent).toEqual([2]);
    expect(both.map((r) => r.status === "rejected" && r.reason instanceof TransportError)).toEqual([true, true]);
    expect((both[0] as PromiseRejectedResult).reason.message).toMatch(/outcome is unknown: ERR something went wrong/);
  });

  it("sends each caller alone after a merged transaction refused with EXECABORT, which ran nothing", async () => {
    const { sent, t } = transactions(async (c) => {
      if (c.length > 1) throw new RedisReplyError("EXECABORT Transaction discarded because of previous errors.");
      return [{ result: "OK" }];
    });
    const both = await Promise.all([t.transaction([["SET", "a", "1"]]), t.transaction([["SET", "b", "2"]])]);
    expect(both).toEqual([[{ result: "OK" }], [{ result: "OK" }]]);
    expect(sent).toEqual([2, 1, 1]);
  });

  it("charges the refused merged attempt to its first caller, also when that caller's part fails alone", async () => {
    const { sent, t } = transactions(async (c) => {
      if (c.length > 1) throw new RedisReplyError("EXECABORT Transaction discarded because of previous errors.");
      if (c[0]![0] === "BAD") throw new RedisReplyError("EXECABORT Transaction discarded because of previous errors.");
      return [{ result: "OK" }];
    });
    const [first, second] = [countingTransport(t), countingTransport(t)];
    const settled = await Promise.allSettled([first.transaction([["BAD"]]), second.transaction([["SET", "b", "2"]])]);
    expect(settled.map((x) => x.status)).toEqual(["rejected", "fulfilled"]);
    expect(sent).toEqual([2, 1, 1]);
    expect([first.requests, second.requests]).toEqual([2, 1]);
  });
});
