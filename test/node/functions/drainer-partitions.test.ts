/**
 * Fan-out sends drainers a member's name (`<name>-p<i>`): the drainer class
 * knows members as the tick does, so a backlogged partition is drained.
 */
import { describe, expect, it } from "vitest";
import { gateKey, pauseKey, reportsKey } from "../../../src/core/redis/keys.js";
import { partitionStream } from "../../../src/core/define/partitions.js";
import type { DrainerState } from "../../../src/functions/drainer.js";
import { createDrainer } from "../../../src/functions/drainer.js";
import { bridgeTransport, enqueue, pending, useFixture } from "../../support/engine.js";

const memoryState = (): DrainerState => {
  const kept = new Map<string, unknown>();
  return {
    storage: {
      get: async <T>(key: string) => kept.get(key) as T | undefined,
      put: async (key, value) => void kept.set(key, value),
      delete: async (key) => kept.delete(key),
      setAlarm: async () => {},
    },
  };
};

describe("a drainer of a partitioned function", () => {
  const f = useFixture();

  it("runs the member the job names, on its partition stream", async () => {
    const handled: string[] = [];
    const fn = f.fn({ partitions: { count: 2, key: "k" }, handle: async (m) => void handled.push(m.stream) });
    const p1 = partitionStream(fn.stream, 1);
    await enqueue(f.tcp, p1, [{ k: "x" }, { k: "y" }]);
    const Drainer = createDrainer({ functions: [fn], transport: () => bridgeTransport() });
    const job = { function: `${fn.name}-p1`, slot: 1, until: Date.now() + 10_000 };
    const response = await new Drainer(memoryState(), {}).fetch(new Request("https://drainer/run", { method: "POST", body: JSON.stringify(job) }));
    expect(response.status).toBe(200);
    expect(handled).toEqual([p1, p1]);
    expect(await pending(f.tcp, p1, fn.group)).toEqual([]);
    await f.tcp.del([p1, gateKey(p1), pauseKey(p1, fn.group), reportsKey(job.function)]);
  });
});
