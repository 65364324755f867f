/**
 * Big messages never wedge a batch. JSON escaping grows a dead letter several
 * times over (its fields are JSON inside a JSON request), so a batch of big
 * failures once made every commit larger than the 10 MB request cap: nothing
 * in it was applied, and its good messages were handled again every
 * visibility timeout. Commits are now split by bytes, effects too large for
 * any request fail their own message, and a dead letter too large to copy
 * is kept as a reference to its entry in the source stream.
 */
import { describe, expect, it } from "vitest";
import { parseDeadLetter } from "../../../src/core/dead-letters/dead-letter.js";
import { PermanentError } from "../../../src/core/redis/errors.js";
import { deadLetterRefsKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, entries, pending, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const KiB = 1024;
/** Control characters: 6 bytes each once JSON-escaped in the dead letter, 7 in the request that writes it. */
const escapingPayload = (bytes: number, tag: string) => tag + "\u0001".repeat(bytes - tag.length);

describe("a batch whose dead letters add up to more than one request", () => {
  it("acks the good messages once, dead-letters every bad one whole, and leaves nothing pending, in one run", async () => {
    const ledger = `test:effects:big-${Math.random()}`;
    const fn = f.fn({
      handle: async (m, ctx) => {
        if (m.fields.kind === "bad") throw new PermanentError("refused");
        ctx.effects.xadd(ledger, { messageId: m.id });
      },
      options: { batchSize: 40, concurrency: 40 },
    });
    await f.createGroup(fn);
    const bad = Array.from({ length: 30 }, (_, i) => ({ kind: "bad", body: escapingPayload(60 * KiB, `b${i}`) }));
    const good = Array.from({ length: 5 }, (_, i) => ({ kind: "good", n: String(i) }));
    const ids = await enqueue(f.tcp, fn.stream, [...good.slice(0, 2), ...bad, ...good.slice(2)]);
    const goodIds = ids.filter((_, i) => i < 2 || i >= 32);

    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ read: 35, acked: 5, deadLettered: 30 });
    expect((await entries(f.tcp, ledger)).map((e) => e.message.messageId)).toEqual(goodIds);
    const dead = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dead.map((d) => JSON.parse(d.message.fields!))).toEqual(bad);
    expect(dead.map((d) => d.message["original-id"])).toEqual(ids.slice(2, 32));
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    await f.tcp.del(ledger);
  });
});

describe("a handler whose effects alone are larger than a request", () => {
  it("fails that message with a clear error and commits the rest of the batch", async () => {
    const ledger = `test:effects:huge-${Math.random()}`;
    const fn = f.fn({
      handle: async (m, ctx) => {
        if (m.fields.kind === "huge") ctx.effects.set(`${ledger}:huge`, "x".repeat(11 * 1024 * KiB));
        else ctx.effects.xadd(ledger, { messageId: m.id });
      },
      options: { maxDeliveries: 3 },
    });
    await f.createGroup(fn);
    const [a, huge, b] = await enqueue(f.tcp, fn.stream, [{ kind: "ok" }, { kind: "huge" }, { kind: "ok" }]);

    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });

    expect(report).toMatchObject({ acked: 2, deadLettered: 1 });
    expect((await entries(f.tcp, ledger)).map((e) => e.message.messageId)).toEqual([a, b]);
    expect(await f.tcp.exists(`${ledger}:huge`)).toBe(0);
    const [dead] = await entries(f.tcp, fn.options.deadLetterStream!);
    expect(dead!.message["original-id"]).toBe(huge);
    expect(dead!.message.error).toMatch(/EffectsTooLargeError: the handler's effects take 11\d{6} bytes; one commit request carries at most 8\d{6} \(maxRequestBytes\)/);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    await age(f.tcp, fn.stream, fn.group, 60_000);
    await f.tcp.del(ledger);
  });
});

describe("a dead letter too big to copy in one request", () => {
  it("refers to its source entry, which retention keeps while the dead letter needs it", async () => {
    const fn = f.fn({
      handle: async (m) => {
        if (m.fields.kind === "big") throw new PermanentError("refused");
      },
      // 64 KiB requests: a 50 KiB payload cannot be copied beside its metadata and XACK.
      options: { maxRequestBytes: 64 * KiB, retention: { maxLen: 0 } },
    });
    await f.createGroup(fn);
    const big = { kind: "big", body: "x".repeat(50 * KiB) };
    const [before] = await enqueue(f.tcp, fn.stream, [{ kind: "ok" }]);
    await new Promise((resolve) => setTimeout(resolve, 5)); // a later millisecond: the hold keeps whole milliseconds
    const [bigId, after] = await enqueue(f.tcp, fn.stream, [big, { kind: "ok" }]);

    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    await enqueue(f.tcp, fn.stream, [{ kind: "ok" }]);
    await runFunction(fn, { transport, vars: {}, trigger: "cron" });

    expect(report).toMatchObject({ acked: 2, deadLettered: 1 });
    const [dead] = await entries(f.tcp, fn.options.deadLetterStream!);
    const letter = parseDeadLetter({ id: dead!.id, fields: dead!.message });
    expect(letter).toMatchObject({ originalId: bigId, stream: fn.stream, group: fn.group, error: "PermanentError: refused", deliveries: 1, fields: {} });
    expect(letter!.payloadInSource!.bytes).toBeGreaterThan(50 * KiB);
    // Acknowledged, trimmed around, but still readable where the dead letter points.
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    const kept = await entries(f.tcp, fn.stream);
    expect(kept.map((e) => e.id)).not.toContain(before);
    expect(kept.find((e) => e.id === bigId)?.message).toEqual(big);
    expect(kept.map((e) => e.id)).toContain(after);
    await f.tcp.del(deadLetterRefsKey(fn.stream));
  });
});
