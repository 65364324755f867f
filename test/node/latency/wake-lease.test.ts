/**
 * The wake lease's window, against a real store: the enqueue that opens it
 * starts a session, and so does each one that writes its message
 * capacity + 1, 2 × capacity + 1 …; the window ends `leaseMs` after it opened.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { wakeLeaseCommand } from "../../../src/functions/wake-lease.js";
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
