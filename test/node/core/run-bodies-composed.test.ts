/**
 * JSON bodies meeting the options that read key fields: with `ordered`,
 * the key is a header and a key's bodies are handled in enqueue order
 * across a failure; on a partitioned stream the API routes a body by its
 * header to the member that handles it. Against real Redis through the bridge.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/app.js";
import type { PollingFunction } from "../../../src/core/define/define.js";
import { expandPartitions } from "../../../src/core/partitions/partition-members.js";
import { runFunction } from "../../../src/core/run/run.js";
import { createProducer } from "../../../src/producer/producer.js";
import { call } from "../api/support.js";
import { bridgeTransport, useFixture } from "../../support/engine.js";

const f = useFixture();
const transport = bridgeTransport();
const run = (fn: PollingFunction) => runFunction(fn, { transport, vars: {}, trigger: "cron" });

describe("a JSON body", () => {
  it("with ordered, keyed by a header: a key's bodies are handled in order across a failure, and other keys pass it", async () => {
    const handled: string[] = [];
    let failOnce = true;
    const fn = f.fn({
      payload: "json",
      options: { ordered: true, partitionKey: "account", visibilityTimeoutMs: 6_000, handlerTimeoutMs: 500, backoff: { strategy: "fixed", baseDelayMs: 300, maxDelayMs: 300 } },
      async handle(m) {
        const { seq } = m.body as unknown as { seq: number };
        if (m.headers.account === "a" && seq === 1 && failOnce) {
          failOnce = false;
          throw new Error("once");
        }
        handled.push(`${m.headers.account}${seq}`);
      },
    });
    const producer = createProducer({ transport });
    await producer.sendBodies(fn.stream, [
      { body: { seq: 1 }, headers: { account: "a" } },
      { body: { seq: 1 }, headers: { account: "b" } },
      { body: { seq: 2 }, headers: { account: "a" } },
    ]);
    await run(fn);
    expect(handled).toEqual(["b1"]);
    await sleep(400);
    await run(fn);
    expect(handled).toEqual(["b1", "a1", "a2"]);
  });

  it("on a partitioned stream: the API routes it by its header, and the member handles it as sent", async () => {
    const seen: [string, unknown][] = [];
    const whole = f.fn({ payload: "json", partitions: { count: 2, key: "account" }, handle: async (m) => void seen.push([m.stream, m.body]) });
    const members = expandPartitions([whole]);
    const app = createApp({ functions: members, transport: () => transport });
    const body = { lines: [{ sku: "É-1", qty: 2 }], total: 12.5 };
    const res = await call(app, `/streams/${encodeURIComponent(whole.stream)}/messages`, { body: { body, headers: { account: "acct-7" } } });
    expect(res.status).toBe(201);
    const missing = await call(app, `/streams/${encodeURIComponent(whole.stream)}/messages`, { body: { body } });
    expect([missing.status, missing.body.error.code]).toEqual([400, "missing_partition_key"]);
    try {
      for (const m of members) await run(m);
      expect(seen).toEqual([[res.body.streams[0], body]]);
    } finally {
      await f.tcp.del(members.map((m) => m.stream));
    }
  });
});
