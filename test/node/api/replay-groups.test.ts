/**
 * Replay goes to the group that failed the message: two functions on one
 * stream, A fails a message B handled, and after the replay only A gets it,
 * with exactly the fields that were enqueued. `allGroups` opts into all.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { PermanentError } from "../../../src/core/redis/errors.js";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue, entries, pending } from "../../support/engine.js";
import { app, call, enc, snapshot, idOf, useApiFixture } from "./support.js";

const { f, track } = useApiFixture();
const run = (fn: Parameters<typeof runFunction>[0]) => runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });

/** Functions A (fails until healed) and B (always succeeds) on one stream; one message A dead-lettered and B handled. */
async function twoGroups() {
  const seenA: Message[] = [];
  const seenB: Message[] = [];
  let healed = false;
  const a = track(
    f.fn({
      group: "a",
      handle: async (m) => {
        if (!healed) throw new PermanentError("not yet");
        seenA.push(m);
      },
    }),
  );
  const b = track(f.fn({ name: `${a.name}-b`, stream: a.stream, group: "b", handle: async (m) => void seenB.push(m) }));
  const fields = { tag: "t1", amount: "12.50", note: "héllo" };
  await enqueue(f.tcp, a.stream, [fields]);
  expect(await run(a)).toMatchObject({ deadLettered: 1 });
  expect(await run(b)).toMatchObject({ acked: 1 });
  seenB.length = 0;
  const dlq = `${a.stream}:dlq`;
  const api = app({ functions: [a, b] });
  const [letter] = (await call(api, `/streams/${enc(dlq)}/dead-letters`)).body.entries as { id: string }[];
  return { a, b, fields, dlq, api, letter: letter!, seenA, seenB, heal: () => (healed = true) };
}

describe("replay to the group that failed it", () => {
  it("delivers to A with its original fields exactly; B acknowledges it unhandled and has nothing pending", async () => {
    const { a, b, fields, dlq, api, letter, seenA, seenB, heal } = await twoGroups();
    const res = await call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body: { ids: [letter.id] } });
    expect(res.status).toBe(200);
    expect(res.body.replayed[0]).toMatchObject({ deadLetterId: letter.id, group: "a" });

    heal();
    expect(await run(a)).toMatchObject({ read: 1, acked: 1, skippedReplays: 0 });
    expect(seenA.map((m) => [m.id, m.fields])).toEqual([[res.body.replayed[0].newId, fields]]);
    expect(await run(b)).toMatchObject({ read: 0, skippedReplays: 1 });
    expect(seenB).toEqual([]);
    expect(await pending(f.tcp, b.stream, "b")).toEqual([]);
    expect(await pending(f.tcp, a.stream, "a")).toEqual([]);
    expect(await f.tcp.xLen(dlq)).toBe(0);
  });

  it("a replayed message A fails again is dead-lettered with its original fields", async () => {
    const { a, fields, dlq, api, letter } = await twoGroups();
    await call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body: { ids: [letter.id] } });
    expect(await run(a)).toMatchObject({ read: 1, deadLettered: 1 });
    const again = (await call(api, `/streams/${enc(dlq)}/dead-letters`)).body.entries as { id: string; fields: unknown }[];
    expect(again.map((e) => e.fields)).toEqual([fields]);
    expect(again[0]!.id).not.toBe(letter.id);
  });

  it("with allGroups, every group gets it again", async () => {
    const { a, b, fields, dlq, api, letter, seenA, seenB, heal } = await twoGroups();
    const res = await call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body: { ids: [letter.id], allGroups: true } });
    expect(res.body.replayed[0]).toMatchObject({ group: null });
    heal();
    await run(a);
    await run(b);
    expect(seenA.map((m) => m.fields)).toEqual([fields]);
    expect(seenB.map((m) => m.fields)).toEqual([fields]);
  });

  it("refuses (422) a dead letter whose group no configured function consumes, unless allGroups", async () => {
    const { b, dlq, letter } = await twoGroups();
    const onlyB = app({ functions: [b] });
    const refused = await call(onlyB, `/streams/${enc(dlq)}/dead-letters/replay`, { body: { ids: [letter.id] } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "replay_group_unknown", message: expect.stringContaining('"allGroups": true') });
    expect(await f.tcp.xLen(dlq)).toBe(1);
    expect(await f.tcp.keys(`cronsumer:replay:${dlq}:*`)).toEqual([]);
  });
});

describe("the reserved field names", () => {
  it("are refused by enqueue with a 400 naming the field, and nothing is written", async () => {
    const { a, api } = await twoGroups();
    const before = await snapshot(f.tcp, [idOf(a)]);
    for (const [body, where] of [
      [{ n: "1", "cronsumer-replay-to": "b" }, ""],
      [[{ n: "1" }, { "cronsumer-replay-of": "{}" }], "message 1: "],
    ] as const) {
      const res = await call(api, `/streams/${enc(a.stream)}/messages`, { body });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(new RegExp(`^${where}field "cronsumer-replay-(to|of)" is reserved`));
    }
    expect(await snapshot(f.tcp, [idOf(a)])).toEqual(before);
    expect((await entries(f.tcp, a.stream)).length).toBe(1);
  });
});
