/**
 * The Queues adapter against real Redis through the bridge: an idle tick
 * of an adapted consumer costs what any function's does (1 request, 2
 * commands), the producer refuses before writing, and the adapter's own
 * options are checked at definition time, naming the option.
 */
import { describe, expect, it } from "vitest";
import { createProducer, queuesConsumer, queuesProducer, runFunction } from "../../../src/index.js";
import { entries, faultyBridge, useFixture } from "../../support/engine.js";

const f = useFixture();

describe("queuesConsumer", () => {
  it("costs an idle tick 1 request and 2 commands, like any function", async () => {
    const probe = f.fn({ handle: async () => {} });
    const fn = queuesConsumer({ name: probe.name, stream: probe.stream, crons: ["* * * * *"], queue: async () => {}, options: { deadLetterStream: probe.options.deadLetterStream! } });
    const bridge = await faultyBridge({});
    try {
      await runFunction(fn, { transport: bridge.transport, vars: {}, trigger: "cron" }); // creates the group
      const report = await runFunction(fn, { transport: bridge.transport, vars: {}, trigger: "cron" });
      expect([report.read, report.requests, report.commands]).toEqual([0, 1, 2]);
    } finally {
      await bridge.close();
    }
  });

  it.each([
    [{ maxRetries: -1 }, "`maxRetries` must be a whole number ≥ 0; got -1"],
    [{ retryDelaySeconds: 1.5 }, "`retryDelaySeconds` must be a whole number ≥ 0; got 1.5"],
    [{ maxBatchSize: 0 }, "`maxBatchSize` must be a whole number ≥ 1; got 0"],
    [{ queue: undefined }, "`queue` must be the consumer's `async queue(batch, env, ctx)`"],
  ])("refuses %j naming the option", (bad, message) => {
    const def = { name: "q", stream: "q", crons: ["* * * * *"], queue: async () => {}, ...bad };
    expect(() => queuesConsumer(def as never)).toThrow(message);
  });
});

describe("queuesProducer", () => {
  it("writes a JSON body as one field, and refuses a bad batch whole, writing nothing", async () => {
    const fn = f.fn({ handle: async () => {}, payload: "json" });
    const queue = queuesProducer(createProducer({ transport: (await faultyBridge({})).transport }), fn.stream);
    await queue.send({ n: 1, s: "42" });
    await expect(queue.sendBatch([{ body: 1 }, { body: undefined }])).rejects.toMatchObject({ name: "EnqueueError", code: "invalid_body", status: 400 });
    await expect(queue.sendBatch([])).rejects.toMatchObject({ code: "empty_batch" });
    await expect(queue.send(1, { delaySeconds: -1 })).rejects.toMatchObject({ code: "invalid_delay" });
    expect((await entries(f.tcp, fn.stream)).map((e) => e.message)).toEqual([{ body: '{"n":1,"s":"42"}' }]);
  });
});
