/**
 * The wake lease's window, against a real store: the enqueue that opens it
 * starts a session, and so does each one that writes its message
 * capacity + 1, 2 × capacity + 1 …; the window ends `leaseMs` after it opened.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { sendTransaction } from "../../../src/core/redis/ops.js";
import { startsSession, wakeLeaseCommand, wakeLeaseOps } from "../../../src/functions/wake-lease.js";
import { bridgeTransport } from "../../support/engine.js";

const t = bridgeTransport();
const take = async (stream: string, messages: number, leaseMs = 2_000) => {
  const [reply] = await t.pipeline([wakeLeaseCommand(stream, messages, leaseMs, 3)]);
  if (!reply || "error" in reply) throw new Error(`lease refused: ${JSON.stringify(reply)}`);
  return reply.result;
};

describe("the wake lease", () => {
  it("starts one session per `capacity` messages written in a window", async () => {
    const stream = `test:wake:${crypto.randomUUID()}`;
    // Capacity 3: messages 1, 4, 7 … start sessions.
    expect([await take(stream, 1), await take(stream, 1), await take(stream, 1), await take(stream, 1), await take(stream, 1)]).toEqual([1, 0, 0, 1, 0]);
    // A batch spanning message 7 starts one; one reaching only message 9 does not.
    expect(await take(stream, 3)).toBe(1);
    expect(await take(stream, 1)).toBe(0);
  });

  it("opens a new window once the last one ended", async () => {
    const stream = `test:wake:${crypto.randomUUID()}`;
    expect(await take(stream, 1, 150)).toBe(1);
    expect(await take(stream, 1, 150)).toBe(0);
    await sleep(250);
    expect(await take(stream, 1, 150)).toBe(1);
  });
});

describe("the wake lease in plain commands (beside an enqueue's XADDs)", () => {
  const takePlain = async (stream: string, messages: number, leaseMs = 2_000) => {
    const [, starts] = await sendTransaction(t, wakeLeaseOps(stream, messages, leaseMs, 3));
    return starts ? 1 : 0;
  };

  it("counts like the script: one session per `capacity` messages written in a window", async () => {
    const stream = `test:wake:${crypto.randomUUID()}`;
    expect([await takePlain(stream, 1), await takePlain(stream, 1), await takePlain(stream, 1), await takePlain(stream, 1), await takePlain(stream, 1)]).toEqual([1, 0, 0, 1, 0]);
    expect(await takePlain(stream, 3)).toBe(1);
    expect(await takePlain(stream, 1)).toBe(0);
  });

  it("opens a new window once the last one ended, and never moves a window's end", async () => {
    const stream = `test:wake:${crypto.randomUUID()}`;
    expect(await takePlain(stream, 1, 300)).toBe(1);
    await sleep(150);
    expect(await takePlain(stream, 1, 300)).toBe(0);
    await sleep(200);
    // 350 ms after the first write: its window ended at 300 ms although a write came at 150 ms.
    expect(await takePlain(stream, 1, 300)).toBe(1);
  });

  it("decides from INCRBY's answer alone", () => {
    expect([1, 2, 3, 4, 7].map((after) => startsSession(after, 1, 3))).toEqual([true, false, false, true, true]);
    expect(startsSession(9, 3, 3)).toBe(true);
    expect(startsSession(6, 2, 3)).toBe(false);
  });
});
