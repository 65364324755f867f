/**
 * Consumer deletion under interference: a run reclaiming an entry between
 * our XPENDING and XCLAIM keeps it, and a read with the doomed name right
 * before DELCONSUMER is reported loudly (500 naming the count).
 */
import { describe, expect, it } from "vitest";
import type { Transport } from "../../../src/core/transport.js";
import { bridgeTransport, enqueue, pending } from "../../support/engine.js";
import { app, call, enc, useApiFixture } from "./support.js";

const { f, track } = useApiFixture();

/** Runs `before` once, just before the first request that sends `command`. */
function interfering(command: string, before: () => Promise<void>): Transport {
  const inner = bridgeTransport();
  let done = false;
  const hook = async (batch: readonly (readonly unknown[])[]) => {
    if (!done && batch.some((c) => c.slice(0, command.split(" ").length).join(" ") === command)) {
      done = true;
      await before();
    }
  };
  return {
    async pipeline(batch) {
      await hook(batch);
      return inner.pipeline(batch);
    },
    async transaction(batch) {
      await hook(batch);
      return inner.transaction(batch);
    },
  };
}

async function setupWithPending(n: number) {
  const fn = f.fn({ handle: async () => {} });
  track(fn);
  await f.tcp.xGroupCreate(fn.stream, "g", "0", { MKSTREAM: true });
  await enqueue(f.tcp, fn.stream, Array.from({ length: n }, (_, i) => ({ n: String(i) })));
  await f.tcp.xReadGroup("g", "doomed", { key: fn.stream, id: ">" }, { COUNT: n });
  await new Promise((r) => setTimeout(r, 20));
  return fn;
}

describe("safe consumer delete under interference", () => {
  it("leaves an entry that a run reclaimed in the meantime with that run", async () => {
    const fn = await setupWithPending(3);
    const [first] = await pending(f.tcp, fn.stream, "g");
    const transport = interfering("XCLAIM", async () => {
      await f.tcp.sendCommand(["XCLAIM", fn.stream, "g", "run", "0", first!.id]);
    });
    const res = await call(app({ functions: [fn], transport: () => transport }), `/streams/${enc(fn.stream)}/groups/g/consumers/doomed?to=heir`, { method: "DELETE" });
    expect(res).toMatchObject({ status: 200, body: { deleted: true, moved: 2, to: "heir" } });
    const owners = Object.fromEntries((await pending(f.tcp, fn.stream, "g")).map((p) => [p.id, p.consumer]));
    expect(owners[first!.id]).toBe("run");
    expect(Object.values(owners).filter((c) => c === "heir")).toHaveLength(2);
  });

  it("answers 500 naming the count when DELCONSUMER still dropped entries", async () => {
    const fn = await setupWithPending(1);
    const transport = interfering("XGROUP DELCONSUMER", async () => {
      await enqueue(f.tcp, fn.stream, [{ late: "1" }, { late: "2" }]);
      await f.tcp.xReadGroup("g", "doomed", { key: fn.stream, id: ">" }, { COUNT: 2 });
    });
    const res = await call(app({ functions: [fn], transport: () => transport }), `/streams/${enc(fn.stream)}/groups/g/consumers/doomed?to=heir`, { method: "DELETE" });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("pending_entries_dropped");
    expect(res.body.error.message).toMatch(/dropped 2 pending entries of "doomed"/);
  });
});
