/**
 * A script is atomic: while it runs, no other client's command runs. Two
 * clients race on one list, one through a script of many writes and one
 * with single commands, over TCP (the engine's RESP server, or Redis) and
 * through the bridge (Upstash REST); the script's writes must land as one
 * unbroken run. Runs on whichever store the suite uses.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeTransport } from "../../support/engine.js";
import { redisTcp, type RedisTcp } from "../../support/keys.js";

const WRITES = 300;
const SCRIPT = `for i = 1, tonumber(ARGV[1]) do redis.call('RPUSH', KEYS[1], 'script-' .. i) end
return redis.call('LLEN', KEYS[1])`;

let script: RedisTcp;
let other: RedisTcp;
const keys: string[] = [];
beforeAll(async () => {
  [script, other] = await Promise.all([redisTcp(), redisTcp()]);
});
afterAll(async () => {
  if (keys.length) await other.del(keys);
  script.destroy();
  other.destroy();
});

/** The script's items must sit together, in order; the other client's may come before or after. */
function expectUnbroken(list: string[]): void {
  const first = list.indexOf("script-1");
  expect(first).toBeGreaterThanOrEqual(0);
  expect(list.slice(first, first + WRITES)).toEqual(Array.from({ length: WRITES }, (_, i) => `script-${i + 1}`));
  expect(list.filter((item) => item.startsWith("other-"))).toHaveLength(WRITES);
}

/** The other client's single writes, all in flight at once around the script. */
function race(key: string, runScript: () => Promise<unknown>): Promise<unknown> {
  const before = Array.from({ length: WRITES / 2 }, (_, i) => other.rPush(key, `other-${i}`));
  const running = runScript();
  const after = Array.from({ length: WRITES / 2 }, (_, i) => other.rPush(key, `other-${WRITES / 2 + i}`));
  return Promise.all([...before, running, ...after]);
}

describe("a script's writes never interleave with another client's commands", () => {
  it("over TCP", async () => {
    const key = `lua-atomic:${randomUUID()}`;
    keys.push(key);
    await race(key, () => script.sendCommand(["EVAL", SCRIPT, "1", key, String(WRITES)]));
    expectUnbroken(await other.lRange(key, 0, -1));
  });

  it("through the bridge (Upstash REST), as the API sends it", async () => {
    const key = `lua-atomic:${randomUUID()}`;
    keys.push(key);
    const transport = bridgeTransport();
    await race(key, async () => {
      const [outcome] = await transport.pipeline([["EVAL", SCRIPT, 1, key, WRITES]]);
      expect(outcome).not.toHaveProperty("error");
    });
    expectUnbroken(await other.lRange(key, 0, -1));
  });
});
