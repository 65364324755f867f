/**
 * Dead letters through the API: listed and paged in their parsed form, and
 * replayed onto their source stream, where the next run consumes them again.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { PermanentError } from "../../../src/core/redis/errors.js";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, enqueue } from "../../support/engine.js";
import { app, call, enc, useApiFixture } from "./support.js";

const { f, track } = useApiFixture();

/** A function whose handler fails permanently until `healed`, with `n` messages already dead-lettered. */
async function withDeadLetters(n: number) {
  const state = { healed: false, seen: [] as Message[] };
  const fn = f.fn({
    handle: async (m) => {
      if (!state.healed) throw new PermanentError(`cannot handle ${m.fields.n}`);
      state.seen.push(m);
    },
  });
  track(fn);
  const originals = await enqueue(f.tcp, fn.stream, Array.from({ length: n }, (_, i) => ({ n: String(i), note: `héllo ${i}` })));
  const report = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
  expect(report.deadLettered).toBe(n);
  return { fn, state, originals, api: app({ functions: [fn] }), dlq: `${fn.stream}:dlq` };
}

describe("dead letters", () => {
  it("lists them parsed, paged, from the source stream's name or the dead-letter stream's", async () => {
    const { fn, originals, api, dlq } = await withDeadLetters(3);
    const first = await call(api, `/streams/${enc(fn.stream)}/dead-letters?count=2`);
    expect(first.status).toBe(200);
    expect(first.body.deadLetterStream).toBe(dlq);
    expect(first.body.entries).toHaveLength(2);
    expect(first.body.entries[0]).toMatchObject({
      originalId: originals[0],
      stream: fn.stream,
      group: "g",
      function: fn.name,
      deliveries: 1,
      error: expect.stringContaining("cannot handle 0"),
      fields: { n: "0", note: "héllo 0" },
    });
    const second = await call(api, `/streams/${enc(dlq)}/dead-letters?count=2&start=${first.body.next}`);
    expect(second.body.entries.map((e: { originalId: string }) => e.originalId)).toEqual([originals[2]]);
    expect(second.body.next).toBeNull();
  });

  it("replays by id: back on the source stream, gone from the dead-letter stream, consumed by the next run", async () => {
    const { fn, state, originals, api, dlq } = await withDeadLetters(3);
    const listed = (await call(api, `/streams/${enc(dlq)}/dead-letters`)).body.entries as { id: string; originalId: string }[];
    const res = await call(api, `/streams/${enc(fn.stream)}/dead-letters/replay`, { body: { ids: [listed[0]!.id, listed[2]!.id] } });
    expect(res.status).toBe(200);
    expect(res.body.replayed.map((r: { deadLetterId: string; originalId: string; stream: string }) => [r.deadLetterId, r.originalId, r.stream])).toEqual([
      [listed[0]!.id, originals[0], fn.stream],
      [listed[2]!.id, originals[2], fn.stream],
    ]);
    expect(await f.tcp.xLen(dlq)).toBe(1);

    state.healed = true;
    const report = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
    expect(report).toMatchObject({ read: 2, acked: 2 });
    expect(state.seen.map((m) => [m.id, m.fields])).toEqual([
      [res.body.replayed[0].newId, { n: "0", note: "héllo 0" }],
      [res.body.replayed[1].newId, { n: "2", note: "héllo 2" }],
    ]);
    expect(await f.tcp.keys(`cronsumer:replay:${dlq}:*`)).toEqual([]);
  });

  it("replays all (up to a limit), and POST /functions/:name/run consumes them", async () => {
    const { fn, state, api, dlq } = await withDeadLetters(5);
    const some = await call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body: { all: true, limit: 2 } });
    expect(some.body.replayed).toHaveLength(2);
    const rest = await call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body: { all: true } });
    expect(rest.body.replayed).toHaveLength(3);
    expect(await f.tcp.xLen(dlq)).toBe(0);
    expect((await call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body: { all: true } })).body).toEqual({ replayed: [] });

    state.healed = true;
    const run = await call(api, `/functions/${fn.name}/run`, { method: "POST" });
    expect(run.body).toMatchObject({ read: 5, acked: 5 });
    expect(state.seen.map((m) => m.fields.n).sort()).toEqual(["0", "1", "2", "3", "4"]);
    expect((await call(api, `/streams/${enc(dlq)}/dead-letters`)).body.entries).toEqual([]);
  });

  it("replays each message once when the same replay is sent several times at once", async () => {
    const { fn, api, dlq } = await withDeadLetters(3);
    const listed = (await call(api, `/streams/${enc(dlq)}/dead-letters`)).body.entries as { id: string }[];
    const body = { ids: listed.map((e) => e.id) };
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 409 || s === 404)).toBe(true);
    // The source stream holds the 3 originals, plus each replayed message once.
    expect(await f.tcp.xLen(fn.stream)).toBe(6);
    expect(await f.tcp.xLen(dlq)).toBe(0);
    expect(await f.tcp.keys(`cronsumer:replay:${dlq}:*`)).toEqual([]);
  });
});
