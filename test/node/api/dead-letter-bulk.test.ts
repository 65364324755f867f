/**
 * The dashboard's bulk actions on dead letters: delete selected (all or
 * none, never racing a replay), purge (confirmed, keeping what arrives
 * meanwhile), replay by filter, and a read token refused on each. Each
 * refusal leaves Redis exactly as it was.
 */
import { describe, expect, it } from "vitest";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, entries } from "../../support/engine.js";
import { call, enc, READ_TOKEN, snapshot, idOf, useApiFixture } from "./support.js";
import { copies, lockKeys, plantDeadLetter, useFaultyMultiBridge } from "./replay-support.js";

const { f, setup } = useApiFixture();
const bridge = useFaultyMultiBridge();

/** A function with dead letters at 1-0 … n-0, error "boom <i>" from every third on "timeout <i>". */
async function withDeadLetters(n: number) {
  const s = setup({ handle: async () => {} });
  const dlq = `${s.fn.stream}:dlq`;
  await f.createGroup(s.fn);
  for (let i = 1; i <= n; i++) {
    await plantDeadLetter(f.tcp, s.fn, dlq, `${i}-0`, { tag: `m${i}` });
    if (i % 3 === 0) await f.tcp.xDel(dlq, `${i}-0`).then(() => f.tcp.xAdd(dlq, `${i}-1`, { "original-id": "1-0", stream: s.fn.stream, group: "g", function: s.fn.name, deliveries: "1", error: `timeout ${i}`, "failed-at": new Date(0).toISOString(), fields: JSON.stringify({ tag: `m${i}` }) }));
  }
  const ids = async () => (await entries(f.tcp, dlq)).map((e) => e.id);
  return { ...s, dlq, d: `/streams/${enc(dlq)}/dead-letters`, ids };
}

describe("delete selected dead letters", () => {
  it("deletes exactly the selected ones", async () => {
    const s = await withDeadLetters(5);
    const res = await call(s.api, `${s.d}/delete`, { body: { ids: ["2-0", "4"] } });
    expect(res.status).toBe(200);
    expect(res.body.deleted).toEqual(["2-0", "4-0"]);
    expect(await s.ids()).toEqual(["1-0", "3-1", "5-0"]);
    expect(await lockKeys(f.tcp, s.dlq)).toEqual([]);
  });

  it("deletes none when one id is unknown (404) or being replayed (409)", async () => {
    const s = await withDeadLetters(3);
    const before = await snapshot(f.tcp, [idOf(s.fn)]);
    const unknown = await call(s.api, `${s.d}/delete`, { body: { ids: ["1-0", "9-0"] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('"9-0"');
    // A replay that reached the source stream holds its lock until its group's run settles it.
    await f.tcp.set(`cronsumer:replay:${s.dlq}:2-0`, "a replay", { EX: 3600 });
    const busy = await call(s.api, `${s.d}/delete`, { body: { ids: ["1-0", "2-0"] } });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe("replay_in_progress");
    await f.tcp.del(`cronsumer:replay:${s.dlq}:2-0`);
    expect(await snapshot(f.tcp, [idOf(s.fn)])).toEqual(before);
  });

  it("a replay racing a delete of the same id is refused, so the message is never both deleted and replayed twice", async () => {
    const s = await withDeadLetters(2);
    const [del, rep] = await Promise.all([
      call(s.api, `${s.d}/delete`, { body: { ids: ["1-0"] } }),
      call(s.api, `${s.d}/replay`, { body: { ids: ["1-0"] } }),
    ]);
    // One wins; the other is refused while it runs (409) or finds the entry gone (404).
    expect([del.status, rep.status].filter((x) => x === 200)).toHaveLength(1);
    expect([404, 409]).toContain(del.status === 200 ? rep.status : del.status);
    const where = await copies(f.tcp, s.fn.stream, s.dlq, "m1");
    expect(where).toEqual(del.status === 200 ? { onStream: 0, deadLetters: 0 } : { onStream: 1, deadLetters: 0 });
  });

  it("refuses bad ids with a 400 naming the field, and a read token with 403", async () => {
    const s = await withDeadLetters(1);
    const bad = await call(s.api, `${s.d}/delete`, { body: { ids: ["x"] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('"ids.0"');
    expect((await call(s.api, `${s.d}/delete`, { body: { ids: [] } })).status).toBe(400);
    const ro = await call(s.api, `${s.d}/delete`, { body: { ids: ["1-0"] }, token: READ_TOKEN });
    expect(ro.status).toBe(403);
    expect(await s.ids()).toEqual(["1-0"]);
  });
});

describe("delete under a dropped connection", () => {
  it.each(["before", "after"] as const)("%s Redis ran it: 503, and all of the selection is gone or none of it; nothing else is touched", async (when) => {
    const s = await withDeadLetters(4);
    bridge.aim({ command: "XDEL", key: s.dlq, when, fault: "drop" });
    const res = await call(s.api, `${s.d}/delete`, { body: { ids: ["1-0", "2-0"] }, env: bridge.env() });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("redis_unavailable");
    expect(await s.ids()).toEqual(when === "before" ? ["1-0", "2-0", "3-1", "4-0"] : ["3-1", "4-0"]);
    if (when === "before") {
      // Its locks stay for their 60 s, refusing a replay meanwhile; once expired, the delete goes through.
      expect((await call(s.api, `${s.d}/replay`, { body: { ids: ["1-0"] } })).status).toBe(409);
      await f.tcp.del(await lockKeys(f.tcp, s.dlq));
      expect((await call(s.api, `${s.d}/delete`, { body: { ids: ["1-0", "2-0"] } })).status).toBe(200);
      expect(await s.ids()).toEqual(["3-1", "4-0"]);
    }
  });
});

describe("purge", () => {
  it("needs the dead-letter stream's name in confirm; otherwise deletes nothing", async () => {
    const s = await withDeadLetters(2);
    for (const body of [{}, { confirm: s.fn.stream }, { confirm: s.dlq, upTo: "nope" }]) {
      const res = await call(s.api, `${s.d}/purge`, { body });
      expect(res.status).toBe(400);
    }
    expect((await call(s.api, `${s.d}/purge`, { body: { confirm: s.fn.stream } })).body.error.message).toContain(JSON.stringify(s.dlq));
    expect((await call(s.api, `${s.d}/purge`, { body: { confirm: s.dlq }, token: READ_TOKEN })).status).toBe(403);
    expect(await s.ids()).toHaveLength(2);
  });

  it("deletes up to what it saw: a dead letter written after that is kept", async () => {
    const s = await withDeadLetters(4);
    // As if a run dead-lettered 5-0 between the operator's look (upTo 4-0) and the purge.
    await plantDeadLetter(f.tcp, s.fn, s.dlq, "5-0", { tag: "late" });
    const res = await call(s.api, `${s.d}/purge`, { body: { confirm: s.dlq, upTo: "4-0" } });
    expect(res.body).toEqual({ deadLetterStream: s.dlq, purged: 4, upTo: "4-0" });
    expect(await s.ids()).toEqual(["5-0"]);
    const all = await call(s.api, `${s.d}/purge`, { body: { confirm: s.dlq } });
    expect(all.body).toMatchObject({ purged: 1, upTo: "5-0" });
    expect(await s.ids()).toEqual([]);
    expect((await call(s.api, `${s.d}/purge`, { body: { confirm: s.dlq } })).body).toMatchObject({ purged: 0, upTo: null });
  });

  it("a replay caught by a purge still lands its message on the source stream once", async () => {
    const s = await withDeadLetters(1);
    // The replay's XADD step landed (its 7-day lock records it), then the purge removed the dead letter.
    await f.tcp.set(`cronsumer:replay:${s.dlq}:1-0`, "a replay", { EX: 3600 });
    const [dl] = await entries(f.tcp, s.dlq);
    await f.tcp.xAdd(s.fn.stream, "*", { ...JSON.parse(dl!.message.fields!), "cronsumer-replay-to": "g", "cronsumer-replay-of": `${s.dlq} 1-0` });
    expect((await call(s.api, `${s.d}/purge`, { body: { confirm: s.dlq } })).body.purged).toBe(1);
    const report = await runFunction(s.fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
    expect(report).toMatchObject({ read: 1, acked: 1 });
    expect(await copies(f.tcp, s.fn.stream, s.dlq, "m1")).toEqual({ onStream: 1, deadLetters: 0 });
  });
});

describe("replay by filter", () => {
  it("replays up to `limit` of those matching, oldest first, and only those", async () => {
    const s = await withDeadLetters(9);
    const res = await call(s.api, `${s.d}/replay`, { body: { match: { q: "TIMEOUT" }, limit: 2 } });
    expect(res.status).toBe(200);
    expect(res.body.replayed.map((r: { deadLetterId: string }) => r.deadLetterId)).toEqual(["3-1", "6-1"]);
    expect(res.body.more).toBe(true);
    expect(await s.ids()).toEqual(["1-0", "2-0", "4-0", "5-0", "7-0", "8-0", "9-1"]);
    const rest = await call(s.api, `${s.d}/replay`, { body: { match: { q: "timeout", from: 0, to: 9 } } });
    expect(rest.body.replayed.map((r: { deadLetterId: string }) => r.deadLetterId)).toEqual(["9-1"]);
    expect(rest.body.more).toBe(false);
  });

  it("skips a matched id that another request took meanwhile, instead of refusing the lot", async () => {
    const s = await withDeadLetters(3);
    await f.tcp.set(`cronsumer:replay:${s.dlq}:1-0`, "another request", { EX: 60 });
    const res = await call(s.api, `${s.d}/replay`, { body: { match: { q: "boom" } } });
    expect(res.body.replayed.map((r: { deadLetterId: string }) => r.deadLetterId)).toEqual(["2-0"]);
    expect(await s.ids()).toEqual(["1-0", "3-1"]);
  });

  it("refuses a bad filter with 400 naming the field, and replays nothing", async () => {
    const s = await withDeadLetters(2);
    const res = await call(s.api, `${s.d}/replay`, { body: { match: { from: 10, to: 5 } } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('"match.to"');
    expect((await call(s.api, `${s.d}/replay`, { body: { match: { q: "" } } })).status).toBe(400);
    expect(await s.ids()).toHaveLength(2);
  });
});
