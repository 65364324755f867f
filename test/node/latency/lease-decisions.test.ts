/**
 * The wake lease decides the same whichever request carries it: the EVAL
 * sent on its own (wake-lease.ts `wakeLeaseCommand`, the form every path
 * used before the lease rode in the write), the SET NX PX + INCRBY beside a
 * plain enqueue's XADDs, and the lines inside the Idempotency-Key script.
 * Same sizes written in one window, same writes start a session (the
 * window's message 1, 51, 101 …), the window's expiry set by its first
 * write only, and a repeat neither counts nor starts. On the test store and
 * on the embedded engine (`npm start`'s Lua).
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueWaking } from "../../../src/api/enqueue-parts.js";
import { enqueueOnce } from "../../../src/api/idempotency.js";
import { wakeLeaseKey } from "../../../src/core/redis/keys.js";
import { sendPipeline, op } from "../../../src/core/redis/ops.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import { startBridge } from "../../../src/dev/bridge/server.js";
import { createEngineBackend } from "../../../src/dev/engine/index.js";
import { startsSession, wakeLeaseCommand } from "../../../src/functions/wake-lease.js";
import { bridgeTransport } from "../../support/engine.js";

const SIZES = [1, 30, 30, 1, 50, 1, 49, 2];
const LEASE_MS = 20_000;

/** What the lease must answer for SIZES in one window: computed from the counts alone. */
const expected = SIZES.map((n, i) => startsSession(SIZES.slice(0, i + 1).reduce((a, b) => a + b, 0), n));

type Write = (t: Transport, stream: string, n: number, i: number, leaseMs: number) => Promise<boolean>;
const messages = (n: number, i: number) => Array.from({ length: n }, (_, k) => ({ n: `${i}-${k}` }));

const forms: Record<string, Write> = {
  "the EVAL on its own (before)": async (t, stream, n, _i, leaseMs) => {
    const [reply] = await t.pipeline([wakeLeaseCommand(stream, n, leaseMs)]);
    return (reply as { result: unknown }).result === 1;
  },
  "beside a plain enqueue's XADDs": async (t, stream, n, i, leaseMs) => (await enqueueWaking(t, { stream, messages: messages(n, i) }, leaseMs)).wakes,
  "inside the Idempotency-Key script": async (t, stream, n, i, leaseMs) => (await enqueueOnce(t, { stream, messages: messages(n, i) }, `k-${i}`, leaseMs)).wakes === true,
};
forms["alternating plain and scripted"] = (t, stream, n, i, leaseMs) => (i % 2 === 0 ? forms["beside a plain enqueue's XADDs"]! : forms["inside the Idempotency-Key script"]!)(t, stream, n, i, leaseMs);

const stores: Record<string, () => Promise<{ t: Transport; close(): Promise<void> }>> = {
  "the test store": async () => ({ t: bridgeTransport(), close: async () => {} }),
  "the embedded engine": async () => {
    const backend = await createEngineBackend();
    const token = randomUUID();
    const bridge = await startBridge({ backend, token });
    return { t: bridgeTransport(bridge.url, token), close: async () => (await bridge.close(), await backend.close()) };
  },
};

describe.each(Object.keys(stores))("the wake lease on %s", (store) => {
  let t: Transport;
  let close: () => Promise<void>;
  const streams: string[] = [];
  const fresh = () => {
    const stream = `test:lease:${randomUUID().slice(0, 8)}`;
    streams.push(stream, wakeLeaseKey(stream));
    return stream;
  };
  const pttl = async (stream: string) => (await sendPipeline(t, [op(["PTTL", wakeLeaseKey(stream)], Number)] as const))[0];
  const count = async (stream: string) => (await sendPipeline(t, [op(["GET", wakeLeaseKey(stream)], (r) => r)] as const))[0];
  beforeAll(async () => {
    ({ t, close } = await stores[store]!());
  });
  afterAll(async () => {
    // Idempotency records are per stream: their keys name it.
    if (streams.length > 0) await t.pipeline([["DEL", ...streams, ...streams.flatMap((s) => SIZES.map((_, i) => `cronsumer:idem:${new TextEncoder().encode(s).length}:${s}:k-${i}`))]]);
    await close();
  });

  it.each(Object.keys(forms))("decides as the counts say when carried %s: the window's message 1, 51, 101 … start a session", async (form) => {
    const stream = fresh();
    const decided: boolean[] = [];
    for (const [i, n] of SIZES.entries()) decided.push(await forms[form]!(t, stream, n, i, LEASE_MS));
    expect(decided).toEqual(expected);
    // Counts 1, 31, 61, 62, 112, 113, 162, 164: messages 1, 51, 101 and 151 fall in the 1st, 3rd, 5th and 7th writes.
    expect(expected).toEqual([true, false, true, false, true, false, true, false]);
    expect(await count(stream)).toBe(String(SIZES.reduce((a, b) => a + b, 0)));
  });

  it.each(Object.keys(forms))("lets only the window's first write set its expiry, %s", async (form) => {
    const stream = fresh();
    await forms[form]!(t, stream, 1, 0, 5_000);
    await forms[form]!(t, stream, 1, 1, 60_000);
    const left = await pttl(stream);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5_000);
  });

  it.each(Object.keys(forms))("opens a new window, starting a session, once the last one expired, %s", async (form) => {
    const stream = fresh();
    expect(await forms[form]!(t, stream, 1, 0, 50)).toBe(true);
    expect(await forms[form]!(t, stream, 1, 1, 50)).toBe(false);
    await sleep(120);
    expect(await forms[form]!(t, stream, 1, 2, 50)).toBe(true);
  });

  it("neither counts nor starts on a repeated Idempotency-Key, which wrote nothing", async () => {
    const stream = fresh();
    const send = (key: string) => enqueueOnce(t, { stream, messages: [{ n: key }] }, key, LEASE_MS);
    expect(await send("k-0")).toMatchObject({ created: true, wakes: true });
    expect(await send("k-0")).toEqual({ created: false, ids: expect.any(Array) });
    expect(await count(stream)).toBe("1");
    expect(await send("k-1")).toMatchObject({ created: true, wakes: false });
    expect(await count(stream)).toBe("2");
  });
});
