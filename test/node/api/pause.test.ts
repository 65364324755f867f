/**
 * Pause and resume through the API: a paused function's runs (cron or
 * manual) read and claim nothing and cost no more than an idle tick; resume
 * hands over exactly what was there, with no delivery charged meanwhile.
 */
import { describe, expect, it } from "vitest";
import { countingTransport } from "../../../src/core/redis/counting-transport.js";
import { pauseKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, pending } from "../../support/engine.js";
import { call, useApiFixture } from "./support.js";

const { f, setup } = useApiFixture();

/** The group's lag and last delivered id: unchanged when nothing new was read. */
async function readPosition(stream: string): Promise<unknown[]> {
  const [g] = (await f.tcp.sendCommand(["XINFO", "GROUPS", stream])) as unknown[][];
  const at = (k: string) => g![g!.indexOf(k) + 1];
  return [at("last-delivered-id"), at("pending")];
}

describe("pause and resume", () => {
  it("holds everything while paused at an idle tick's cost, then hands over the same ids with their delivery counts", async () => {
    const seen: { id: string; attempt: number }[] = [];
    const { fn, api } = setup({ handle: async (m) => void seen.push({ id: m.id, attempt: m.attempt }), options: { visibilityTimeoutMs: 20_000 } });
    await f.createGroup(fn);
    // Three delivered to a consumer that crashed long ago (due for recovery), seven never read.
    const crashed = await enqueue(f.tcp, fn.stream, [{ n: "1" }, { n: "2" }, { n: "3" }]);
    await f.tcp.sendCommand(["XREADGROUP", "GROUP", fn.group, "crashed", "COUNT", "3", "STREAMS", fn.stream, ">"]);
    await age(f.tcp, fn.stream, fn.group, 60_000);
    const fresh = await enqueue(f.tcp, fn.stream, Array.from({ length: 7 }, (_, i) => ({ n: `f${i}` })));

    // What an idle tick of an idle function costs, for comparison.
    const idle = setup();
    await f.createGroup(idle.fn);
    const idleReport = await runFunction(idle.fn, { transport: bridgeTransport(), vars: {}, trigger: "cron" });

    const paused = await call(api, `/functions/${fn.name}/pause`, { method: "POST" });
    expect(paused).toMatchObject({ status: 200, body: { function: fn.name, paused: true } });
    const listed = (await call(api, "/functions")).body.functions[0];
    expect(listed.paused).toBe(true);
    expect(Math.abs(listed.pausedAt - Date.now())).toBeLessThan(60_000);

    const before = { pel: await pending(f.tcp, fn.stream, fn.group), position: await readPosition(fn.stream) };
    const counted = countingTransport(bridgeTransport());
    const tick = await runFunction(fn, { transport: counted, vars: {}, trigger: "cron", slot: 0 });
    const manual = await call(api, `/functions/${fn.name}/run`, { method: "POST" });
    expect(tick).toMatchObject({ stopReason: "paused", read: 0, reclaimed: 0, handled: 0 });
    expect(manual.body).toMatchObject({ stopReason: "paused", read: 0, reclaimed: 0 });
    // The paused tick's cost, from its report and from an independent count: no more than an idle tick's.
    expect({ requests: counted.requests, commands: counted.commands }).toEqual({ requests: tick.requests, commands: tick.commands });
    expect(tick.requests).toBeLessThanOrEqual(idleReport.requests);
    expect(tick.commands).toBeLessThanOrEqual(idleReport.commands);
    expect([tick.requests, tick.commands]).toEqual([1, 2]);
    expect(seen).toEqual([]);
    // Nothing claimed, nothing read: same entries, same owners, same delivery counts, same read position.
    const after = await pending(f.tcp, fn.stream, fn.group);
    expect(after.map(({ id, consumer, deliveries }) => ({ id, consumer, deliveries }))).toEqual(before.pel.map(({ id, consumer, deliveries }) => ({ id, consumer, deliveries })));
    expect(await readPosition(fn.stream)).toEqual(before.position);
    // A paused run stores no report, like an idle one.
    expect(await f.tcp.lLen(`cronsumer:runs:${fn.name}`)).toBe(0);

    const resumed = await call(api, `/functions/${fn.name}/resume`, { method: "POST" });
    expect(resumed).toMatchObject({ status: 200, body: { function: fn.name, paused: false } });
    expect((await call(api, "/functions")).body.functions[0]).toMatchObject({ paused: false });
    expect((await call(api, "/functions")).body.functions[0].pausedAt).toBeUndefined();
    const run = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "cron", slot: 1 });
    expect(run).toMatchObject({ reclaimed: 3, read: 7, acked: 10, stopReason: "drained" });
    // The crashed consumer's three on their second delivery, the rest on their first: nothing was charged while paused.
    expect(seen.sort((a, b) => a.id.localeCompare(b.id))).toEqual([...crashed.map((id) => ({ id, attempt: 2 })), ...fresh.map((id) => ({ id, attempt: 1 }))]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("answers 404 for an unknown function and writes nothing", async () => {
    const { fn, api } = setup();
    for (const action of ["pause", "resume"]) {
      const res = await call(api, `/functions/nope/${action}`, { method: "POST" });
      expect(res.status).toBe(404);
    }
    expect(await f.tcp.exists(pauseKey(fn.stream, fn.group))).toBe(0);
  });

  it("pause and resume are idempotent, and resume leaves the gate a run reads through", async () => {
    const { fn, api } = setup();
    await f.createGroup(fn);
    for (let i = 0; i < 2; i++) expect((await call(api, `/functions/${fn.name}/pause`, { method: "POST" })).body.paused).toBe(true);
    for (let i = 0; i < 2; i++) expect((await call(api, `/functions/${fn.name}/resume`, { method: "POST" })).body.paused).toBe(false);
    await enqueue(f.tcp, fn.stream, [{ n: "1" }]);
    const run = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "cron" });
    expect(run).toMatchObject({ read: 1, acked: 1, requests: 2 });
  });
});
