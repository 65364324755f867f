/**
 * A delayed message inside workerd: enqueued through the API with
 * `?delayMs=`, held out of the stream until due, then promoted and handled
 * by a run inside workerd, once, with its fields as sent.
 */
import { describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/api/app.js";
import type { Message } from "../../src/core/define/define.js";
import { delayedKey, delayedPayloadsKey } from "../../src/core/redis/keys.js";
import { runFunction } from "../../src/core/run/run.js";
import { bindings, entries, freshFunction, redis, sleep, transport } from "./support.js";

// The embedded engine has neither sorted sets nor EVAL yet.
const onEngine = inject("redisKind") === "engine";

describe.skipIf(onEngine)(`a delayed message in workerd${onEngine ? " [skipped: needs sorted sets and EVAL, which the embedded engine lacks]" : ""}`, () => {
  it("is handled by a run after it is due, and not before", async () => {
    const seen: Message[] = [];
    const fn = freshFunction({ handle: async (m) => void seen.push(m), options: { delays: true } });
    const app = createApp({ functions: [fn] });
    const fields = { orderID: "w-1", note: "délai ✓" };
    const res = await app.request(
      `/streams/${encodeURIComponent(fn.stream)}/messages?delayMs=1500`,
      { method: "POST", headers: { Authorization: `Bearer ${bindings.API_TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(fields) },
      bindings,
    );
    expect(res.status).toBe(201);
    const { dueAt } = (await res.json()) as { dueAt: number };
    try {
      const run = () => runFunction(fn, { transport, vars: {}, trigger: "manual" });
      expect((await run()).read).toBe(0);
      expect(await entries(fn.stream)).toEqual([]);
      await sleep(Math.max(0, dueAt - Date.now()) + 200);
      expect(await run()).toMatchObject({ read: 1, acked: 1 });
      expect(seen.map((m) => m.fields)).toEqual([fields]);
      expect((await run()).read).toBe(0);
      expect(seen).toHaveLength(1);
    } finally {
      await redis.del(delayedKey(fn.stream), delayedPayloadsKey(fn.stream));
    }
  });
});
