/**
 * The CPU bench's baseline (tools/bench/cpu/folded.ts) does the work it is
 * compared against: every message read, handed over with its fields, and
 * acknowledged, in one request per batch (the XACK riding with the next
 * read). A baseline that skipped any of it would flatter the ratio.
 */
import { describe, expect, it } from "vitest";
import type { FoldedMessage } from "../../../tools/bench/cpu/folded.js";
import { foldedLoop } from "../../../tools/bench/cpu/folded.js";
import { countingTransport } from "../../../src/core/redis/counting-transport.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const f = useFixture();

describe("the folded loop", () => {
  it("reads, hands over and acknowledges every message, one request per batch", async () => {
    const fn = f.fn({ handle: async () => {} });
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, Array.from({ length: 250 }, (_, i) => ({ orderID: `o${i}`, amount: "42" })));
    const seen: FoldedMessage[] = [];
    const counted = countingTransport(bridgeTransport());
    const report = await foldedLoop(counted, { stream: fn.stream, group: fn.group, batchSize: 100, handle: async (m) => void seen.push(m) });
    expect(seen.map((m) => m.id)).toEqual(ids);
    expect(seen[7]!.fields).toEqual({ orderID: "o7", amount: "42" });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    // Read 100; XACK + read 100; XACK + read 50 (short); its XACK alone.
    expect({ report, requests: counted.requests }).toEqual({ report: { requests: 4, read: 250 }, requests: 4 });
  });

  it("stops at maxMessages, acknowledging what it read and reading no further", async () => {
    const fn = f.fn({ handle: async () => {} });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, Array.from({ length: 30 }, (_, i) => ({ n: String(i) })));
    const report = await foldedLoop(bridgeTransport(), { stream: fn.stream, group: fn.group, batchSize: 1, maxMessages: 10 });
    expect(report).toEqual({ requests: 11, read: 10 });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    const [group] = (await f.tcp.xInfoGroups(fn.stream)) as { "entries-read"?: number; lag?: number }[];
    expect(group!.lag).toBe(20);
  });
});
