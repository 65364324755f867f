/**
 * Purging dead letters that refer to their source entry (too big to copy):
 * the purge releases the holds those references put on the source stream, so
 * retention trims it again, and a purge cut off mid-way leaves each dead
 * letter gone with its hold or kept with it. A hold another group's dead
 * letter still needs stays.
 */
import { describe, expect, it } from "vitest";
import type { PollingFunction } from "../../../src/core/define/define.js";
import { PermanentError } from "../../../src/core/redis/errors.js";
import { deadLetterRefsKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue, entries } from "../../support/engine.js";
import { app, call, enc, useApiFixture } from "./support.js";
import { useFaultyMultiBridge } from "./replay-support.js";

const KiB = 1024;
const { f, track } = useApiFixture();
const bridge = useFaultyMultiBridge();
const transport = bridgeTransport();
const run = (fn: PollingFunction) => runFunction(fn, { transport, vars: {}, trigger: "cron" });
const big = { kind: "big", body: "x".repeat(50 * KiB) };

/** A function that refuses `big` for good; its 64 KiB requests cannot copy it, so its dead letter refers to it. */
function refusing({ deadLetterStream, ...def }: { stream?: string; group?: string; deadLetterStream?: string } = {}) {
  return track(
    f.fn({
      ...def,
      handle: async (m) => {
        if (m.fields.kind === "big") throw new PermanentError("refused");
      },
      options: { maxRequestBytes: 64 * KiB, retention: { maxLen: 0 }, ...(deadLetterStream ? { deadLetterStream } : {}) },
    }),
  );
}

const purge = (api: ReturnType<typeof app>, dlq: string, env?: ReturnType<typeof bridge.env>) =>
  call(api, `/streams/${enc(dlq)}/dead-letters/purge`, { body: { confirm: dlq }, ...(env ? { env } : {}) });

describe("purging reference dead letters", () => {
  it("releases their holds, so retention trims the source stream again", async () => {
    const fn = refusing();
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [big]);
    expect(await run(fn)).toMatchObject({ deadLettered: 1 });
    const dlq = fn.options.deadLetterStream!;
    expect(await f.tcp.zCard(deadLetterRefsKey(fn.stream))).toBe(1);

    const res = await purge(app({ functions: [fn] }), dlq);
    expect(res.body).toMatchObject({ purged: 1 });
    expect(await f.tcp.zCard(deadLetterRefsKey(fn.stream))).toBe(0);
    await enqueue(f.tcp, fn.stream, [{ kind: "ok" }]);
    await run(fn);
    // Nothing refers to the big entry any more: retention (maxLen 0) trims everything acknowledged.
    expect(await f.tcp.xLen(fn.stream)).toBe(0);
  });

  it("pages through a long dead-letter stream from the oldest hold, releasing every reference it removes", async () => {
    const fn = refusing();
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [big]);
    await run(fn);
    const dlq = fn.options.deadLetterStream!;
    const copy = { "original-id": "1-0", stream: fn.stream, group: fn.group, function: fn.name, deliveries: "1", error: "e", "failed-at": new Date(0).toISOString(), fields: "{}" };
    for (let i = 0; i < 450; i++) await f.tcp.xAdd(dlq, "*", copy);
    await enqueue(f.tcp, fn.stream, [big]);
    await run(fn);
    expect(await f.tcp.zCard(deadLetterRefsKey(fn.stream))).toBe(2);
    const res = await purge(app({ functions: [fn] }), dlq);
    expect(res.body).toMatchObject({ purged: 452 });
    expect(res.body.more).toBeUndefined();
    expect(await f.tcp.zCard(deadLetterRefsKey(fn.stream))).toBe(0);
    expect(await f.tcp.xLen(dlq)).toBe(0);
  });

  it("keeps the hold another group's dead letter still needs", async () => {
    const a = refusing({ group: "a" });
    const b = refusing({ stream: a.stream, group: "b", deadLetterStream: `${a.stream}:dlq-b` });
    await f.createGroup(a);
    await f.createGroup(b);
    const [bigId] = await enqueue(f.tcp, a.stream, [big]);
    await run(a);
    await run(b);
    expect(await f.tcp.zCard(deadLetterRefsKey(a.stream))).toBe(2);
    await purge(app({ functions: [a, b] }), a.options.deadLetterStream!);
    await enqueue(f.tcp, a.stream, [{ kind: "ok" }]);
    await run(a);
    await run(b);
    // b's dead letter still points at the big entry: it stays readable.
    expect((await entries(f.tcp, a.stream)).find((e) => e.id === bigId)?.message).toEqual(big);
    expect(await entries(f.tcp, b.options.deadLetterStream!)).toHaveLength(1);
    await f.tcp.del([b.options.deadLetterStream!, deadLetterRefsKey(a.stream)]);
  });

  it.each(["before", "after"] as const)("cut off %s Redis ran it: each dead letter is gone with its hold, or kept with it", async (when) => {
    const fn = refusing();
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [big, { kind: "ok" }, big]);
    await run(fn);
    const dlq = fn.options.deadLetterStream!;
    expect(await entries(f.tcp, dlq)).toHaveLength(2);
    const api = app({ functions: [fn] });
    bridge.aim({ command: "ZREM", key: deadLetterRefsKey(fn.stream), when, fault: "drop" });
    expect((await purge(api, dlq, bridge.env())).status).toBeGreaterThanOrEqual(500);
    const left = (await entries(f.tcp, dlq)).length;
    expect([left, await f.tcp.zCard(deadLetterRefsKey(fn.stream))]).toEqual(when === "before" ? [2, 2] : [0, 0]);
    // Sent again, the purge finishes what is left.
    await purge(api, dlq);
    expect([(await entries(f.tcp, dlq)).length, await f.tcp.zCard(deadLetterRefsKey(fn.stream))]).toEqual([0, 0]);
  });
});
