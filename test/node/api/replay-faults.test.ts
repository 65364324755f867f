/**
 * Replay under dropped connections. Its two steps (XADD, then XDEL of what
 * landed) are each hit before and after Redis runs them; then the replay is
 * repeated and the group's run goes by. Each dead letter ends up exactly
 * once: on its source stream, or still in the dead-letter stream.
 */
import { describe, expect, it } from "vitest";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport } from "../../support/engine.js";
import { app, call, enc, useApiFixture } from "./support.js";
import { copies, lockKeys, plantDeadLetter, useFaultyMultiBridge } from "./replay-support.js";

const { f, track } = useApiFixture();
const bridge = useFaultyMultiBridge();

async function setup() {
  const fn = track(f.fn({ handle: async () => {} }));
  const dlq = `${fn.stream}:dlq`;
  const tag = `m-${fn.name}`;
  await f.createGroup(fn);
  await plantDeadLetter(f.tcp, fn, dlq, "5-0", { tag });
  const api = app({ functions: [fn] });
  const replay = () => call(api, `/streams/${enc(dlq)}/dead-letters/replay`, { body: { ids: ["5-0"] }, env: bridge.env() });
  const settle = () => runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
  return { fn, dlq, tag, replay, settle, where: () => copies(f.tcp, fn.stream, dlq, tag) };
}

const once = { onStream: 1, deadLetters: 0 };

describe("a dropped connection in the XADD step", () => {
  it("after Redis ran it: 503 outcome unknown; a repeat is refused, and the group's run settles it", async () => {
    const s = await setup();
    bridge.aim({ command: "XADD", key: s.fn.stream, when: "after", fault: "drop" });
    const res = await s.replay();
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("replay_outcome_unknown");
    expect(await s.where()).toEqual({ onStream: 1, deadLetters: 1 });
    // The lock is now the record of a move that reached the stream: it outlives the 60 s of a replay in progress.
    const [lock] = await lockKeys(f.tcp, s.dlq);
    expect(await f.tcp.ttl(lock!)).toBeGreaterThan(3600);

    expect((await s.replay()).status).toBe(409);
    expect(await s.where()).toEqual({ onStream: 1, deadLetters: 1 });
    expect(await s.settle()).toMatchObject({ read: 1, acked: 1 });
    expect(await s.where()).toEqual(once);
    expect(await lockKeys(f.tcp, s.dlq)).toEqual([]);
  });

  it.each([["a drop", "drop" as const], ["a 503", { status: 503 }]])("before Redis ran it (%s): nothing moved; once the lock expires a repeat replays it once", async (_, fault) => {
    const s = await setup();
    bridge.aim({ command: "XADD", key: s.fn.stream, when: "before", fault });
    expect((await s.replay()).status).toBe(503);
    expect(await s.where()).toEqual({ onStream: 0, deadLetters: 1 });
    const [lock] = await lockKeys(f.tcp, s.dlq);
    expect(await f.tcp.ttl(lock!)).toBeLessThanOrEqual(60);
    expect((await s.replay()).status).toBe(409);
    await f.tcp.del(lock!); // what its 60 s expiry does
    expect((await s.replay()).status).toBe(200);
    expect(await s.where()).toEqual(once);
    await s.settle();
    expect(await s.where()).toEqual(once);
  });
});

describe("a dropped connection in the XDEL step", () => {
  it("after Redis ran it: the replay is complete, and a repeat answers 404", async () => {
    const s = await setup();
    bridge.aim({ command: "XDEL", key: s.dlq, when: "after", fault: "drop" });
    expect((await s.replay()).status).toBe(503);
    expect(await s.where()).toEqual(once);
    expect((await s.replay()).status).toBe(404);
    expect(await s.where()).toEqual(once);
    expect(await lockKeys(f.tcp, s.dlq)).toEqual([]);
  });

  it("before Redis ran it: on both streams, a repeat is refused, and the group's run settles it", async () => {
    const s = await setup();
    bridge.aim({ command: "XDEL", key: s.dlq, when: "before", fault: "drop" });
    const res = await s.replay();
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/removal from .* is unconfirmed/);
    expect((await s.replay()).status).toBe(409);
    expect(await s.where()).toEqual({ onStream: 1, deadLetters: 1 });
    await s.settle();
    expect(await s.where()).toEqual(once);
    expect(await lockKeys(f.tcp, s.dlq)).toEqual([]);
  });
});
