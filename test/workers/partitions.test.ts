/**
 * A partitioned function inside workerd: `createScheduled` expands it into
 * one member per partition, so one cron tick consumes every partition
 * stream, and each message is acknowledged in its own partition's stream.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { definePollingFunction } from "../../src/core/define/define.js";
import { gateKey, pauseKey, reportsKey } from "../../src/core/redis/keys.js";
import { memberName, partitionStream, routeFields } from "../../src/core/define/partitions.js";
import { createScheduled } from "../../src/functions/create-worker.js";
import { bindings, entries, pendingIds, redis } from "./support.js";

const P = 3;

describe("a partitioned function on a cron tick", () => {
  it("consumes messages written to all of its partition streams, each acked in its own stream", async () => {
    const id = crypto.randomUUID().slice(0, 8);
    const logical = `test:workerd:parts:${id}`;
    const effects = `${logical}:effects`;
    const fn = definePollingFunction({
      name: `wp-${id}`,
      stream: logical,
      group: "g",
      crons: ["* * * * *"],
      partitions: { count: P, key: "account" },
      // Paid's CPU: on Free the P members share the tick's 10 ms like any P functions, and a
      // first tick spends its share creating the groups (README, "Partitioned queues").
      options: { deadLetterStream: `${logical}:dlq`, startId: "0", maxCpuMs: 1_000 },
      async handle(message, ctx) {
        ctx.effects.xadd(effects, { account: message.fields.account!, stream: message.stream });
      },
    });
    const streams = Array.from({ length: P }, (_, i) => partitionStream(logical, i));
    // Accounts until every partition holds at least one message.
    const written = new Map<string, string[]>(streams.map((s) => [s, []]));
    for (let n = 0; [...written.values()].some((ids) => ids.length === 0); n++) {
      const fields = { account: `a${n}` };
      const routed = routeFields(fields, logical, fn.partitions!);
      if (!("stream" in routed)) throw new Error("unroutable");
      written.get(routed.stream)!.push(await redis.xadd(routed.stream, "*", fields));
    }
    try {
      const ctx = createExecutionContext();
      // The default transport: a partitioned deployment's merges the members' requests (coalescing-transport.ts).
      await createScheduled({ functions: [fn] })(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), bindings, ctx);
      await waitOnExecutionContext(ctx);

      const handled = (await entries(effects)).map((e) => e.fields);
      for (const stream of streams) {
        expect(handled.filter((f) => f.stream === stream)).toHaveLength(written.get(stream)!.length);
        expect(await pendingIds(stream, "g")).toEqual([]);
        // Acked in its own stream: the group there delivered exactly that stream's messages.
        const [group] = (await redis.xinfo(stream, { type: "GROUPS" })) as unknown[][];
        expect(group).toContain(written.get(stream)!.at(-1));
      }
      for (let i = 0; i < P; i++) expect(await redis.llen(reportsKey(memberName(fn.name, i)))).toBe(1);
    } finally {
      const keys = streams.flatMap((s) => [s, gateKey(s), pauseKey(s, "g")]);
      await redis.del(...keys, effects, ...Array.from({ length: P }, (_, i) => reportsKey(memberName(fn.name, i))));
    }
  });
});
