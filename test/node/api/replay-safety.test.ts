/**
 * Replay never writes a message twice and never loses one: ids spelled
 * several ways are one id, a source stream that refuses the XADD keeps the
 * dead letter where it is, and ids Redis cannot read are refused before any
 * lock is taken.
 */
import { describe, expect, it } from "vitest";
import { deadLetterReferenceFields } from "../../../src/core/dead-letters/dead-letter.js";
import { app, call, enc, useApiFixture } from "./support.js";
import { copies, lockKeys, plantDeadLetter } from "./replay-support.js";

const { f, track } = useApiFixture();

/** A function with one dead letter planted at `5-0`, tagged so its copies can be counted. */
async function oneDeadLetter() {
  const fn = track(f.fn({ handle: async () => {} }));
  const dlq = `${fn.stream}:dlq`;
  const tag = `m-${fn.name}`;
  await f.createGroup(fn);
  await plantDeadLetter(f.tcp, fn, dlq, "5-0", { tag, note: "héllo" });
  const replay = (body: unknown) => call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body });
  const api = app({ functions: [fn] });
  return { fn, dlq, tag, api, replay };
}

describe("one id, however it is spelled", () => {
  it("writes one copy when one request names it four ways", async () => {
    const { fn, dlq, tag, replay } = await oneDeadLetter();
    const res = await replay({ ids: ["05-0", "5-00", "005-0", "5"] });
    expect(res.status).toBe(200);
    expect(res.body.replayed).toHaveLength(1);
    expect(res.body.replayed[0].deadLetterId).toBe("5-0");
    expect(await copies(f.tcp, fn.stream, dlq, tag)).toEqual({ onStream: 1, deadLetters: 0 });
    expect(await lockKeys(f.tcp, dlq)).toEqual([]);
  });

  it("writes one copy in total when two requests spell it differently at once", async () => {
    for (let round = 0; round < 5; round++) {
      const { fn, dlq, tag, replay } = await oneDeadLetter();
      const answers = await Promise.all([replay({ ids: ["05-0"] }), replay({ ids: ["5"] })]);
      expect(answers.map((a) => a.status).filter((s) => s === 200)).toHaveLength(1);
      expect(answers.every((a) => [200, 404, 409].includes(a.status))).toBe(true);
      expect(await copies(f.tcp, fn.stream, dlq, tag)).toEqual({ onStream: 1, deadLetters: 0 });
      expect(await lockKeys(f.tcp, dlq)).toEqual([]);
    }
  });
});

describe("a source stream that refuses the XADD", () => {
  it("keeps the dead letter when the source key is not a stream (WRONGTYPE): 409, lock released", async () => {
    const { fn, dlq, tag, replay } = await oneDeadLetter();
    await f.tcp.del(fn.stream);
    await f.tcp.set(fn.stream, "not a stream");
    const res = await replay({ ids: ["5-0"] });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("replay_target_unwritable");
    expect(res.body.error.message).toMatch(/"5-0".*WRONGTYPE/);
    expect(await copies(f.tcp, fn.stream, dlq, tag)).toEqual({ onStream: 0, deadLetters: 1 });
    expect(await f.tcp.get(fn.stream)).toBe("not a stream");
    expect(await lockKeys(f.tcp, dlq)).toEqual([]);
  });

  it("keeps the dead letter when the source stream has exhausted its ids: 409, lock released", async () => {
    const { fn, dlq, tag, replay } = await oneDeadLetter();
    await f.tcp.xAdd(fn.stream, "18446744073709551615-18446744073709551615", { last: "1" });
    const res = await replay({ ids: ["5-0"] });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/exhausted the last possible ID/);
    expect(await copies(f.tcp, fn.stream, dlq, tag)).toEqual({ onStream: 0, deadLetters: 1 });
    expect(await lockKeys(f.tcp, dlq)).toEqual([]);
  });

  it("moves the others and names which did not move when sources differ", async () => {
    const good = await oneDeadLetter();
    const bad = track(f.fn({ handle: async () => {}, options: { deadLetterStream: good.dlq } }));
    await f.tcp.set(bad.stream, "not a stream");
    await plantDeadLetter(f.tcp, bad, good.dlq, "6-0", { tag: "bad" });
    const api = app({ functions: [good.fn, bad] });
    const res = await call(api, `/streams/${enc(good.dlq)}/dead-letters/replay`, { body: { ids: ["5", "6"] } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/not replayed, still in .*"6-0".*replayed: "5-0"/);
    expect(await copies(f.tcp, good.fn.stream, good.dlq, good.tag)).toEqual({ onStream: 1, deadLetters: 0 });
    expect((await f.tcp.xRange(good.dlq, "6-0", "6-0")).length).toBe(1);
    expect(await lockKeys(f.tcp, good.dlq)).toEqual([]);
  });
});

describe("ids beyond 64 bits", () => {
  it("answer 400 naming the rule, and leave no lock", async () => {
    const { fn, dlq, tag, api, replay } = await oneDeadLetter();
    for (const ids of [["18446744073709551616-0"], ["5-0", "1-18446744073709551616"]]) {
      const res = await replay({ ids });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/2\^64-1/);
    }
    const page = await call(api, `/streams/${enc(dlq)}/dead-letters?start=18446744073709551616`);
    expect(page.status).toBe(400);
    expect(page.body.error.message).toMatch(/2\^64-1/);
    expect(await lockKeys(f.tcp, dlq)).toEqual([]);
    expect(await copies(f.tcp, fn.stream, dlq, tag)).toEqual({ onStream: 0, deadLetters: 1 });
  });
});

describe("a dead letter that holds a reference to its payload", () => {
  it("is refused with 422 naming where the payload is, and nothing moves or stays locked", async () => {
    const fn = track(f.fn({ handle: async () => {} }));
    const dlq = `${fn.stream}:dlq`;
    await f.createGroup(fn);
    const reference = deadLetterReferenceFields(
      { originalId: "7-0", stream: fn.stream, group: fn.group, function: fn.name, deliveries: 1, error: "too big", failedAt: new Date(0).toISOString() },
      9_000_000,
    );
    await f.tcp.xAdd(dlq, "9-0", reference);
    const res = await call(app({ functions: [fn] }), `/streams/${enc(dlq)}/dead-letters/replay`, { body: { ids: ["9-0"] } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("dead_letter_payload_in_source");
    expect(res.body.error.message).toContain(`${fn.stream} 7-0, 9000000 bytes`);
    expect(await f.tcp.xLen(dlq)).toBe(1);
    expect(await f.tcp.exists(fn.stream)).toBe(1); // only the group's own creation; nothing added
    expect(await f.tcp.xLen(fn.stream)).toBe(0);
    expect(await lockKeys(f.tcp, dlq)).toEqual([]);
  });
});

describe("replaying the oldest n", () => {
  it("passes over a reference dead letter instead of refusing all, and leaves it locked by nobody", async () => {
    const fn = track(f.fn({ handle: async () => {} }));
    const dlq = `${fn.stream}:dlq`;
    await f.createGroup(fn);
    await f.tcp.xAdd(
      dlq,
      "4-0",
      deadLetterReferenceFields({ originalId: "3-0", stream: fn.stream, group: fn.group, function: fn.name, deliveries: 1, error: "too big", failedAt: new Date(0).toISOString() }, 9_000_000),
    );
    await plantDeadLetter(f.tcp, fn, dlq, "5-0", { tag: "movable" });
    const res = await call(app({ functions: [fn] }), `/streams/${enc(dlq)}/dead-letters/replay`, { body: { all: true, limit: 10 } });
    expect(res.status).toBe(200);
    expect(res.body.replayed.map((r: { deadLetterId: string }) => r.deadLetterId)).toEqual(["5-0"]);
    expect((await f.tcp.xRange(dlq, "-", "+")).map((e) => e.id)).toEqual(["4-0"]);
    expect(await copies(f.tcp, fn.stream, dlq, "movable")).toEqual({ onStream: 1, deadLetters: 0 });
    expect(await lockKeys(f.tcp, dlq)).toEqual([]);
  });
});
