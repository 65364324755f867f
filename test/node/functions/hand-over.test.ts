/**
 * The hand-over decision with the real bridge, and its drainer: drainers run
 * in-process (src/dev/local-drainers.ts, a structural namespace over
 * `createDrainer` instances; each request or alarm starts a run with budgets
 * of its own). What this does not prove is in that file's docblock; the
 * workerd test (test/workers/hand-over.test.ts) runs the real Durable Object.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../../src/api/app.js";
import type { RunReport } from "../../../src/core/features/report.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import type { PollingFunction } from "../../../src/core/define/define.js";
import type { LocalDrainers } from "../../../src/dev/local-drainers.js";
import { localDrainers } from "../../../src/dev/local-drainers.js";
import { createDrainer } from "../../../src/functions/drainer.js";
import { DRAINER_BINDING } from "../../../src/functions/fan-out.js";
import { handOverName, HAND_OVER_PATH } from "../../../src/functions/hand-over.js";
import { runScheduled } from "../../../src/functions/scheduled.js";
import { bridgeTransport, enqueue, pending } from "../../support/engine.js";
import { apiEnv, enc, TOKEN, useApiFixture } from "../api/support.js";

const a = useApiFixture();
const opened: LocalDrainers[] = [];
afterEach(() => opened.splice(0).forEach((ns) => ns.close()));

/** A function that counts each message it handles, and drainers for it over `transport`. */
function setup(options: object = {}, transport: () => Transport = () => bridgeTransport()) {
  const seen = new Map<string, number>();
  const fn = a.track(a.f.fn({ options, handle: async (m) => void seen.set(m.id, (seen.get(m.id) ?? 0) + 1) }));
  const ns = localDrainers(createDrainer({ functions: [fn], transport }), apiEnv());
  opened.push(ns);
  return { fn, seen, ns };
}

async function post(fn: PollingFunction, env: object, count: number): Promise<{ ids: string[]; reports: RunReport[] }> {
  const started: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void started.push(p), passThroughOnException() {}, props: {} };
  const body = JSON.stringify(Array.from({ length: count }, (_, i) => ({ i: String(i) })));
  const init = { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" }, body };
  const res = await createApp({ functions: [fn] }).request(`/streams/${enc(fn.stream)}/messages`, init, apiEnv(env), ctx as never);
  expect(res.status).toBe(201);
  await Promise.all(started);
  const stored = await a.f.tcp.lRange(`cronsumer:runs:${fn.name}`, 0, -1);
  return { ids: ((await res.json()) as { ids: string[] }).ids, reports: stored.map((r) => JSON.parse(r) as RunReport) };
}

describe("hand-over after an enqueue", () => {
  it("a 500-message enqueue on Free defaults ends budget-bound and its drainer handles the rest, each message once", async () => {
    const { fn, seen, ns } = setup();
    const { ids, reports } = await post(fn, { [DRAINER_BINDING]: ns }, 500);
    const woken = reports.filter((r) => r.trigger === "enqueue");
    expect(woken.reduce((sum, r) => sum + r.acked, 0)).toBeLessThan(500); // The session alone could not.
    await ns.settled();
    expect(ids.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect(seen.size).toBe(500);
    expect(await pending(a.f.tcp, fn.stream, fn.group)).toEqual([]);
    expect(ns.invocations.fetches).toBe(1); // One hand-over: the drainer re-arms by alarm.
    expect(ns.invocations.alarms).toBeGreaterThanOrEqual(2);
  });

  it("hands nothing over when the session drained", async () => {
    const { fn, seen, ns } = setup();
    await post(fn, { [DRAINER_BINDING]: ns }, 5);
    await ns.settled();
    expect(seen.size).toBe(5);
    expect(ns.invocations).toEqual({ fetches: 0, alarms: 0 });
  });

  it("without the binding, says so once and leaves the rest for the tick, as before", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const { fn, seen } = setup();
      await post(fn, {}, 500);
      await post(fn, {}, 500);
      expect(seen.size).toBeGreaterThan(0);
      expect(seen.size).toBeLessThan(1_000);
      expect(await pending(a.f.tcp, fn.stream, fn.group)).toEqual([]);
      expect(warn.mock.calls.filter(([m]) => String(m).includes("waits for the next cron tick")).length).toBeLessThanOrEqual(1);
    } finally {
      warn.mockRestore();
    }
  });

  it("with maxParallelRuns > 1, fan-out's drainers carry the rest and nothing is handed over", async () => {
    const { fn, seen, ns } = setup({ maxParallelRuns: 2 });
    const names: string[] = [];
    const watched = { ...ns, idFromName: (name: string) => (names.push(name), ns.idFromName(name)) };
    await post(fn, { [DRAINER_BINDING]: watched }, 300);
    await ns.settled();
    expect(seen.size).toBe(300);
    expect(names).not.toContain(handOverName(fn.name));
  });
});

describe("the subrequest a hand-over costs", () => {
  /** A function each of whose messages costs a subrequest of its own, so sessions stop on subrequests, not CPU; and its drainers. */
  async function fetching() {
    const server = createServer((_, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const seen = new Map<string, number>();
    const fn = a.track(a.f.fn({ options: { maxCpuMs: 1_000 }, handle: async (m, ctx) => void (await (await ctx.fetch(url)).text(), seen.set(m.id, 1)) }));
    const ns = localDrainers(createDrainer({ functions: [fn], transport: () => bridgeTransport() }), apiEnv());
    opened.push(ns);
    const spent = (reports: RunReport[]) => reports.reduce((sum, r) => sum + r.requests + r.fetches, 0);
    return { fn, seen, ns, spent, close: () => ns.settled().finally(() => server.close()) };
  }

  it("is kept in reserve after an enqueue: the session and its hand-over stay within Free's 50 with the enqueue's own", async () => {
    const { fn, seen, ns, spent, close } = await fetching();
    try {
      const { reports } = await post(fn, { [DRAINER_BINDING]: ns }, 100);
      const woken = reports.filter((r) => r.trigger === "enqueue");
      expect(woken.at(-1)!.stopReason).toBe("subrequests");
      // The enqueue's own (3 at most), the session's, and the hand-over's one.
      expect(3 + spent(woken) + ns.invocations.fetches).toBeLessThanOrEqual(50);
      await ns.settled();
      expect(seen.size).toBe(100);
    } finally {
      await close();
    }
  });

  it("is kept in reserve on a tick", async () => {
    const { fn, seen, ns, spent, close } = await fetching();
    try {
      await enqueue(a.f.tcp, fn.stream, Array.from({ length: 100 }, (_, i) => ({ i: String(i) })));
      const reports = (await runScheduled([fn], "* * * * *", Date.now(), apiEnv({ [DRAINER_BINDING]: ns }), bridgeTransport())) as RunReport[];
      expect(reports[0]!.stopReason).toBe("subrequests");
      expect(spent(reports) + ns.invocations.fetches).toBeLessThanOrEqual(50);
      await ns.settled();
      expect(seen.size).toBe(100);
    } finally {
      await close();
    }
  });
});

describe("hand-over after a cron tick", () => {
  it("a tick that ends on a budget hands the rest over instead of leaving it for the next tick", async () => {
    const { fn, seen, ns } = setup();
    const ids = await enqueue(a.f.tcp, fn.stream, Array.from({ length: 400 }, (_, i) => ({ i: String(i) })));
    const [report] = (await runScheduled([fn], "* * * * *", Date.now(), apiEnv({ [DRAINER_BINDING]: ns }), bridgeTransport())) as RunReport[];
    expect(report!.acked).toBeLessThan(400); // The tick alone could not.
    await ns.settled();
    expect(ids.filter((id) => seen.get(id) !== 1)).toEqual([]);
    expect(await pending(a.f.tcp, fn.stream, fn.group)).toEqual([]);
    expect(ns.invocations.fetches).toBe(1);
  });
});

describe("the hand-over drainer", () => {
  it("runs once more for a hand-over that arrived after its run's last read", async () => {
    // The run's last read has reached Redis (and found nothing) when its reply is held; a message and its hand-over come then.
    let hold: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (hold = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const ref: { seen?: Map<string, number> } = {};
    const inner = bridgeTransport();
    const gated: Transport = {
      pipeline: (b) => inner.pipeline(b),
      transaction: async (b) => {
        const reply = await inner.transaction(b);
        if (ref.seen?.size === 1 && hold) {
          hold();
          hold = undefined;
          await released;
        }
        return reply;
      },
    };
    const { fn, seen, ns } = setup({}, () => gated);
    ref.seen = seen;
    const stub = ns.get(ns.idFromName(handOverName(fn.name)) as never);
    const job = () => ({ method: "POST", body: JSON.stringify({ function: fn.name, slot: 0, until: Date.now() + 10_000 }) });
    const [first] = await enqueue(a.f.tcp, fn.stream, [{ n: "1" }]);
    expect((await stub.fetch(`https://drainer${HAND_OVER_PATH}`, job())).status).toBe(202);
    await held;
    const [second] = await enqueue(a.f.tcp, fn.stream, [{ n: "2" }]);
    expect((await stub.fetch(`https://drainer${HAND_OVER_PATH}`, job())).status).toBe(202);
    release();
    await ns.settled();
    expect([seen.get(first!), seen.get(second!)]).toEqual([1, 1]);
    expect(await pending(a.f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("reads once more after the wake lease's end: a message counted under the lease, after the drain, is not left for the tick", async () => {
    const { fn, seen, ns } = setup();
    const [first] = await enqueue(a.f.tcp, fn.stream, [{ n: "1" }]);
    const stub = ns.get(ns.idFromName(handOverName(fn.name)) as never);
    const quietAt = Date.now() + 400;
    const body = JSON.stringify({ function: fn.name, slot: 0, until: Date.now() + 10_000, quietAt });
    expect((await stub.fetch(`https://drainer${HAND_OVER_PATH}`, { method: "POST", body })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.get(first!)).toBe(1);
    // Written under the lease (so it started no session of its own), after the drainer's run drained.
    const [second] = await enqueue(a.f.tcp, fn.stream, [{ n: "2" }]);
    await ns.settled();
    expect(seen.get(second!)).toBe(1);
    expect(ns.invocations.alarms).toBe(2);
  });

  it("refuses a hand-over naming no function of the Worker, or a bad window, and arms nothing", async () => {
    const { fn, ns } = setup();
    const stub = ns.get(ns.idFromName(handOverName(fn.name)) as never);
    for (const job of [{ function: "nope", slot: 0, until: Date.now() + 1_000 }, { function: fn.name, slot: 0, until: "soon" }, { function: fn.name, slot: 0, until: Date.now() + 1_000, quietAt: "later" }]) {
      const res = await stub.fetch(`https://drainer${HAND_OVER_PATH}`, { method: "POST", body: JSON.stringify(job) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad_drain_job");
    }
    await ns.settled();
    expect(ns.invocations.alarms).toBe(0);
  });

  it("re-arms after a run that stopped on its CPU budget, until the backlog is gone", async () => {
    const { fn, seen, ns } = setup({ maxCpuMs: 3, batchSize: 10 });
    await enqueue(a.f.tcp, fn.stream, Array.from({ length: 60 }, (_, i) => ({ i: String(i) })));
    const stub = ns.get(ns.idFromName(`${fn.name}:1`) as never);
    const res = await stub.fetch("https://drainer/run", { method: "POST", body: JSON.stringify({ function: fn.name, slot: 1, until: Date.now() + 10_000 }) });
    expect(((await res.json()) as RunReport).stopReason).toBe("cpu");
    await ns.settled();
    expect(seen.size).toBe(60);
    expect(await pending(a.f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
