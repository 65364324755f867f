/**
 * Consumer deletion under interference: a run reclaiming an entry between
 * our XPENDING and XCLAIM keeps it, and entries a read with the doomed name
 * slipped in right before DELCONSUMER are put back as they were. A function's
 * own pool names are refused: its runs reuse them every tick.
 */
import { describe, expect, it } from "vitest";
import { consumerName } from "../../../src/core/redis/keys.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import { bridgeTransport, enqueue, pending } from "../../support/engine.js";
import { app, call, enc, useApiFixture } from "./support.js";

const { f, track } = useApiFixture();

/** Runs `before` once, just before the first request that sends `command` (and, if given, matches `also`). */
function interfering(command: string, before: () => Promise<void>, also: (batch: readonly (readonly unknown[])[]) => boolean = () => true): Transport {
  const inner = bridgeTransport();
  let done = false;
  const hook = async (batch: readonly (readonly unknown[])[]) => {
    if (!done && also(batch) && batch.some((c) => c.slice(0, command.split(" ").length).join(" ") === command)) {
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

  it("puts back, as they were, the entries a read with the doomed name slipped in right before DELCONSUMER", async () => {
    const fn = await setupWithPending(1);
    let late: string[] = [];
    const transport = interfering("XPENDING", async () => {
      // Just before the MULTI that deletes: after the last check, so the read slips in.
      late = await enqueue(f.tcp, fn.stream, [{ late: "1" }, { late: "2" }]);
      await f.tcp.xReadGroup("g", "doomed", { key: fn.stream, id: ">" }, { COUNT: 2 });
    }, (batch) => batch.some((c) => c[0] === "XGROUP"));
    const res = await call(app({ functions: [fn], transport: () => transport }), `/streams/${enc(fn.stream)}/groups/g/consumers/doomed?to=heir`, { method: "DELETE" });
    expect(res).toMatchObject({ status: 200, body: { deleted: true, moved: 3, to: "heir" } });
    const left = await pending(f.tcp, fn.stream, "g");
    expect(left.map((p) => [p.consumer, p.deliveries])).toEqual([["heir", 1], ["heir", 1], ["heir", 1]]);
    expect(left.map((p) => p.id).slice(1)).toEqual(late);
    const consumers = (await f.tcp.xInfoConsumers(fn.stream, "g")) as { name: string }[];
    expect(consumers.map((c) => c.name)).not.toContain("doomed");
  });

  it.each([0, 1])("refuses with 409 to delete pool consumer %i of the owning function, and changes nothing", async (slot) => {
    const fn = f.fn({ handle: async () => {} });
    track(fn);
    const name = consumerName(fn.name, slot);
    await f.tcp.xGroupCreate(fn.stream, "g", "0", { MKSTREAM: true });
    await enqueue(f.tcp, fn.stream, [{ n: "1" }]);
    await f.tcp.xReadGroup("g", name, { key: fn.stream, id: ">" }, { COUNT: 1 });
    const owners = async () => (await pending(f.tcp, fn.stream, "g")).map((p) => [p.id, p.consumer, p.deliveries]);
    const before = await owners();
    const res = await call(app({ functions: [fn] }), `/streams/${enc(fn.stream)}/groups/g/consumers/${name}?to=heir`, { method: "DELETE" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("consumer_in_use");
    expect(res.body.error.message).toMatch(/pool consumers: its runs reuse these names every tick.*recovered after the visibility timeout/);
    expect(await owners()).toEqual(before);
    expect(((await f.tcp.xInfoConsumers(fn.stream, "g")) as { name: string }[]).map((c) => c.name)).toEqual([name]);
  });

  it("still deletes a name outside the pool, moving its entries to the pool's first consumer", async () => {
    const fn = await setupWithPending(2);
    const res = await call(app({ functions: [fn] }), `/streams/${enc(fn.stream)}/groups/g/consumers/doomed`, { method: "DELETE" });
    expect(res).toMatchObject({ status: 200, body: { deleted: true, moved: 2, to: consumerName(fn.name, 0) } });
  });
});
