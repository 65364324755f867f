/**
 * The functions routes under a partitioned function's own name: pause,
 * resume and run act on every member and answer per member; GET /functions
 * tells each member's partition.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { pauseKey } from "../../../src/core/redis/keys.js";
import { keysFor, partitioned } from "./partition-support.js";
import { app, call, enc, useApiFixture } from "./support.js";

const { f, track, setup: plain } = useApiFixture();

function setup(handle: (m: Message) => Promise<void> = async () => {}) {
  // A CPU budget of its own: members run at once share the invocation's, like a tick's functions.
  const p = partitioned(f, 3, { handle, options: { startId: "0", maxCpuMs: 1_000 } });
  track(p.fn);
  const other = plain().fn;
  return { ...p, other, api: app({ functions: [...p.members, other] }) };
}

describe("a partitioned function in the functions routes", () => {
  it("GET /functions shows each member's partition, and nothing on an ordinary function", async () => {
    const { fn, other, api } = setup();
    const res = await call(api, "/functions");
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.functions.map((x: { name: string }) => [x.name, x]));
    for (const i of [0, 1, 2]) {
      expect(byName[`${fn.name}-p${i}`]).toMatchObject({ stream: `{${fn.stream}:p${i}}`, partitionOf: { function: fn.name, logical: fn.stream, index: i, count: 3 } });
    }
    expect(byName[other.name]).not.toHaveProperty("partitionOf");
  });

  it("pause and resume by the partitioned name act on every member and answer per member", async () => {
    const { fn, members, api } = setup();
    const paused = await call(api, `/functions/${fn.name}/pause`, { method: "POST" });
    expect(paused).toMatchObject({ status: 200, body: { function: fn.name, paused: true, members: members.map((m) => ({ function: m.name, paused: true })) } });
    for (const m of members) expect(await f.tcp.type(pauseKey(m.stream, m.group))).toBe("string");
    const listed = (await call(api, "/functions")).body.functions.filter((x: { partitionOf?: unknown }) => x.partitionOf);
    expect(listed.map((x: { paused: boolean }) => x.paused)).toEqual([true, true, true]);

    const resumed = await call(api, `/functions/${fn.name}/resume`, { method: "POST" });
    expect(resumed).toMatchObject({ status: 200, body: { function: fn.name, paused: false, members: members.map((m) => ({ function: m.name, paused: false })) } });
    for (const m of members) expect(await f.tcp.type(pauseKey(m.stream, m.group))).toBe("stream");
  });

  it("run by the partitioned name runs every member and answers each member's report", async () => {
    const seen: string[] = [];
    const { fn, members, api } = setup(async (m) => void seen.push(`${m.stream} ${m.fields.n}`));
    const [k0, , k2] = keysFor(3);
    const sent = await call(api, `/streams/${enc(fn.stream)}/messages`, { body: [{ customer: k0![0]!, n: "a" }, { customer: k2![0]!, n: "b" }] });
    expect(sent.status).toBe(201);

    const res = await call(api, `/functions/${fn.name}/run`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.body.function).toBe(fn.name);
    expect(res.body.members.map((r: { function: string; handled: number }) => [r.function, r.handled])).toEqual(members.map((m, i) => [m.name, i === 1 ? 0 : 1]));
    expect(seen.sort()).toEqual([`${members[0]!.stream} a`, `${members[2]!.stream} b`]);
  });

  it("a member is still reached by its own name, and an unknown name is 404", async () => {
    const { members, api } = setup();
    expect(await call(api, `/functions/${members[1]!.name}/pause`, { method: "POST" })).toMatchObject({ status: 200, body: { function: members[1]!.name, paused: true } });
    expect((await call(api, `/functions/${members[1]!.name}/pause`, { method: "POST" })).body).not.toHaveProperty("members");
    expect(await call(api, "/functions/nope/run", { method: "POST" })).toMatchObject({ status: 404, body: { error: { code: "function_not_found" } } });
  });
});
