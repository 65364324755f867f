/**
 * A run against a real Redis through the bridge: it creates what is missing,
 * consumes, acknowledges, and costs what the design says.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { REPORTS_KEPT, reportsKey } from "../../../src/core/redis/keys.js";
import { REPLAY_TO } from "../../../src/core/dead-letters/replay-target.js";
import { runFunction } from "../../../src/core/run/run.js";
import { countingTransport } from "../../../src/core/redis/counting-transport.js";
import { bridgeTransport, enqueue, entries, useFixture, pending } from "../../support/engine.js";

const f = useFixture();

const transport = bridgeTransport();
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderID: `o${i}`, amount: "42", n: String(i) }));

describe("a run", () => {
  it("creates a missing stream and group, then goes on", async () => {
    const fn = f.fn({ handle: async () => {} });
    const report = await runFunction(fn, { transport, vars: {}, trigger: "manual" });
    expect(report.stopReason).toBe("drained");
    expect(report.error).toBeUndefined();
    const groups = (await f.tcp.xInfoGroups(fn.stream)) as { name: string }[];
    expect(groups.map((g) => g.name)).toEqual(["g"]);
  });

  it("hands each message to the handler with its fields exactly as enqueued, then acknowledges it", async () => {
    const seen: Message[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m) });
    await f.createGroup(fn);
    const ids = await enqueue(f.tcp, fn.stream, [{ amount: "42", flag: "true", json: '{"a":1}', empty: "", big: "12345678901234567890" }, ...orders(24)]);

    const report = await runFunction(fn, { transport, vars: {}, trigger: "manual" });

    expect(seen.map((m) => m.id)).toEqual(ids);
    const fields = { amount: "42", flag: "true", json: '{"a":1}', empty: "", big: "12345678901234567890" };
    // Without a schema, `data` is the fields themselves.
    // A flat function's message carries its fields as the body too, with no headers (payload: "fields").
    expect(seen[0]).toEqual({ id: ids[0], stream: fn.stream, group: "g", attempt: 1, fields, data: fields, body: fields, headers: {} });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    expect(report).toMatchObject({ read: 25, handled: 25, acked: 25, retried: 0, deadLettered: 0, stopReason: "drained" });
  });

  it("costs one request and two commands when idle, and writes nothing", async () => {
    const fn = f.fn({ handle: async () => {} });
    await f.createGroup(fn);
    const counted = countingTransport(transport);
    const report = await runFunction(fn, { transport: counted, vars: {}, trigger: "cron" });
    expect({ requests: counted.requests, commands: counted.commands }).toEqual({ requests: 1, commands: 2 });
    expect(report).toMatchObject({ requests: 1, commands: 2, read: 0, stopReason: "drained" });
    expect(await f.tcp.exists(`cronsumer:runs:${fn.name}`)).toBe(0);
  });

  it("costs one request per batch in steady state: the commit of one batch carries the read of the next", async () => {
    // The Paid plan's CPU budget: the Free one stops a run of batch 10 short of 95 messages (cpu-estimate.ts), and this counts requests.
    const fn = f.fn({ handle: async () => {}, options: { batchSize: 10, maxCpuMs: 30_000 } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(95));
    const counted = countingTransport(transport);
    const report = await runFunction(fn, { transport: counted, vars: {}, trigger: "cron" });
    // 10 batches (the last one short): 10 requests that read, and the last one commits and stores the report.
    expect(report).toMatchObject({ read: 95, acked: 95 });
    expect(counted.requests).toBe(11);
    const batches = Math.ceil(95 / 10);
    expect(counted.requests - batches).toBe(1);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });

  it("keeps a bounded report of runs that did work, newest first", async () => {
    const fn = f.fn({ handle: async () => {} });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(3));
    const report = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    const stored = (await f.tcp.lRange(`cronsumer:runs:${fn.name}`, 0, -1)).map((s) => JSON.parse(s));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toEqual(report);
    for (const key of ["function", "consumer", "startedAt", "durationMs", "read", "reclaimed", "handled", "acked", "retried", "deadLettered", "requests", "commands", "stopReason"]) {
      expect(stored[0]).toHaveProperty(key);
    }
  });

  it(`keeps exactly the newest ${REPORTS_KEPT} reports once more runs than that did work`, async () => {
    const fn = f.fn({ handle: async () => {} });
    await f.createGroup(fn);
    const reports = [];
    for (let i = 0; i < REPORTS_KEPT + 5; i++) {
      await enqueue(f.tcp, fn.stream, [{ orderID: `r${i}` }]);
      reports.push(await runFunction(fn, { transport, vars: {}, trigger: "cron", slot: i }));
    }
    const stored = (await f.tcp.lRange(reportsKey(fn.name), 0, -1)).map((s) => JSON.parse(s));
    expect(stored).toHaveLength(REPORTS_KEPT);
    expect(stored).toEqual(reports.slice(-REPORTS_KEPT).reverse());
  });

  it("re-reads nothing it acknowledged: a second run finds the stream drained", async () => {
    let calls = 0;
    const fn = f.fn({ handle: async () => void calls++ });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, orders(7));
    await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    const second = await runFunction(fn, { transport, vars: {}, trigger: "cron" });
    expect(calls).toBe(7);
    expect(second.read).toBe(0);
    expect((await entries(f.tcp, fn.stream)).length).toBe(7);
  });
});

describe("entries replayed to another group", () => {
  it("count as read: a batch of them does not end the run's reading", async () => {
    const seen: string[] = [];
    const fn = f.fn({ handle: async (m) => void seen.push(m.fields.n!), options: { batchSize: 2 } });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, [{ n: "r1", [REPLAY_TO]: "another-group" }, { n: "r2", [REPLAY_TO]: "another-group" }, { n: "1" }, { n: "2" }]);
    const report = await runFunction(fn, { transport: bridgeTransport(), vars: {}, trigger: "cron" });
    expect(seen).toEqual(["1", "2"]);
    expect(report.skippedReplays).toBe(2);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
  });
});
