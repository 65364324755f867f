/**
 * Ordered per-key consumption: a key's messages are handled one at a time in
 * enqueue order, across a failure, an overlapping run and a run that died
 * between handling and commit; a failure holds back only its own key.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/core/define/define.js";
import { orderedHeldKey, orderedLeaseKey } from "../../../src/core/redis/keys.js";
import { START_SCRIPT } from "../../../src/core/features/ordered/start.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, entries, faultyBridge, pending, useFixture } from "../../support/engine.js";
import { events, LEDGER_VT as VT, ledgerFunction as orderedLedger } from "../../support/ordered-ledger.js";

const f = useFixture();
const transport = bridgeTransport();
// Long enough that a loaded machine does not reach a retry before the test means it to.
const DELAY = 1_500;
const run = (fn: Parameters<typeof runFunction>[0], t = transport) => runFunction(fn, { transport: t, vars: {}, trigger: "cron" });

const ledgerFunction = (handle?: (m: Message) => Promise<void>) =>
  orderedLedger(f, handle, { backoff: { strategy: "fixed", baseDelayMs: DELAY, maxDelayMs: DELAY } });

describe("ordered consumption", () => {
  it("holds back only the failing key, then handles it in enqueue order, later reads included", async () => {
    const seen: string[] = [];
    const { fn, ledgerOf } = ledgerFunction(async (m) => {
      seen.push(`${m.fields.account}${m.fields.seq}@${m.attempt}`);
      if (m.fields.account === "a" && m.fields.seq === "1" && m.attempt === 1) throw new Error("transient");
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1", "b1", "a2", "b2", "a3"));

    const first = await run(fn);
    expect(first).toMatchObject({ read: 5, acked: 2, retried: 1 });
    expect(await ledgerOf()).toEqual(["b1", "b2"]);
    // a2 and a3 were never handed to the handler, and their delivery counts were restored.
    expect(seen.filter((s) => s.startsWith("a"))).toEqual(["a1@1"]);
    expect((await pending(f.tcp, fn.stream, fn.group)).map((p) => p.deliveries)).toEqual([1, 0, 0]);

    // A later message of the held key is read while a1 waits for its retry: it is held too.
    await enqueue(f.tcp, fn.stream, events("a4", "b3"));
    await run(fn);
    expect(await ledgerOf()).toEqual(["b1", "b2", "b3"]);

    await sleep(DELAY + 200);
    await run(fn);
    expect(await ledgerOf()).toEqual(["b1", "b2", "b3", "a1", "a2", "a3", "a4"]);
    expect(seen.filter((s) => s.startsWith("a"))).toEqual(["a1@1", "a1@2", "a2@1", "a3@1", "a4@1"]);
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    expect(await f.tcp.exists([orderedHeldKey(fn.stream, fn.group), orderedLeaseKey(fn.stream, fn.group)])).toBe(0);
  });

  it("dead-lettering a key's head releases the rest of the key", async () => {
    const { fn, ledgerOf } = ledgerFunction(async (m) => {
      if (m.fields.seq === "1") throw new Error("always");
    });
    fn.options.maxDeliveries = 2;
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1", "a2"));
    await run(fn);
    await sleep(DELAY + 200);
    await run(fn);
    expect(await ledgerOf()).toEqual(["a2"]);
    expect((await entries(f.tcp, fn.options.deadLetterStream!)).map((e) => JSON.parse(e.message.fields!).seq)).toEqual(["1"]);
  });

  it("a run that overlaps the consuming one does nothing", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const handling = new Promise<void>((r) => (started = r));
    const { fn, ledgerOf } = ledgerFunction(async () => {
      started();
      await gate;
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1", "a2"));
    const first = run(fn);
    await handling;
    await enqueue(f.tcp, fn.stream, events("a3"));
    const second = await run(fn);
    expect(second).toMatchObject({ stopReason: "leased", read: 0, handled: 0 });
    release();
    await first;
    await run(fn);
    expect(await ledgerOf()).toEqual(["a1", "a2", "a3"]);
  });

  it("a run killed between handling and commit: the next run reclaims its messages before reading later ones of the key", async () => {
    const seen: string[] = [];
    const { fn, ledgerOf } = ledgerFunction(async (m) => {
      seen.push(`${m.fields.account}${m.fields.seq}`);
    });
    await f.createGroup(fn);
    await enqueue(f.tcp, fn.stream, events("a1", "a2"));
    // Killed: nothing after the first request reaches Redis, neither the (fenced) commit nor the lease's release.
    const broken = await faultyBridge({ before: (ctx) => (ctx.commands.some((c) => c[0] === "EVAL" && c[1] !== START_SCRIPT) ? "drop" : undefined) });
    const died = await run(fn, broken.transport);
    await broken.close();
    expect(died).toMatchObject({ handled: 2, acked: 0, stopReason: "error" });
    await enqueue(f.tcp, fn.stream, events("a3"));

    // Within the dead run's lease, nobody consumes.
    expect(await run(fn)).toMatchObject({ stopReason: "leased" });
    // Once the lease ran out, the dead run's messages are idle past the visibility timeout.
    await f.tcp.del(orderedLeaseKey(fn.stream, fn.group));
    await age(f.tcp, fn.stream, fn.group, VT);
    const next = await run(fn);
    expect(next).toMatchObject({ reclaimed: 2, read: 1, acked: 3 });
    expect(seen).toEqual(["a1", "a2", "a1", "a2", "a3"]);
    expect(await ledgerOf()).toEqual(["a1", "a2", "a3"]);
  });

  it("an idle tick is one request of one command, and leaves no lease behind", async () => {
    const { fn } = ledgerFunction();
    await f.createGroup(fn);
    const report = await run(fn);
    expect(report).toMatchObject({ requests: 1, commands: 1, stopReason: "drained" });
    expect(await f.tcp.exists(orderedLeaseKey(fn.stream, fn.group))).toBe(0);
  });
});
