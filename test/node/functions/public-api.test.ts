/**
 * This repository's Worker is a user of the package like any other: it and
 * its example functions import only the public front door (src/index.ts),
 * and `createWorker` refuses what would break a deployment at start-up.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, createApi, createWorker, definePollingFunction } from "../../../src/index.js";
import { functions } from "../../../src/functions/index.js";
import { bridgeTransport } from "../../support/engine.js";

const src = resolve(import.meta.dirname, "../../../src");
const importsOf = async (file: string) => [...(await readFile(resolve(src, file), "utf8")).matchAll(/^import [^;]* from "([^"]+)";$/gm)].map((m) => m[1]);

describe("the repository's Worker", () => {
  it.each([
    ["worker.ts", ["./index.js", "./index.js", "./functions/index.js"]],
    ["functions/index.ts", ["../index.js", "./accounts.js", "./payments.js", "./webhook.js"]],
    ["functions/payments.ts", ["../index.js", "./sleep.js"]],
    ["functions/accounts.ts", ["../index.js", "./sleep.js"]],
    ["functions/webhook.ts", ["../index.js"]],
  ])("%s imports only the public API and the examples", async (file, expected) => {
    expect(await importsOf(file)).toEqual(expected);
  });
});

describe("createWorker", () => {
  const handle = async () => {};
  const fn = (name: string) => definePollingFunction({ name, stream: `s-${name}`, group: "g", crons: ["* * * * *"], handle });

  it("gives exactly the handlers a Worker's default export carries", () => {
    expect(Object.keys(createWorker({ functions }))).toEqual(["fetch", "scheduled"]);
  });

  it.each([
    [[], "`functions` must list at least one polling function"],
    [[fn("a"), fn("a")], 'two functions are named "a"'],
    [[{ name: "raw" }], "must come from definePollingFunction()"],
    [[definePollingFunction({ name: "orders", stream: "o", group: "g", crons: ["* * * * *"], handle, partitions: { count: 2, key: "k" } }), fn("orders-p1")], 'two functions are named "orders-p1" (one is partition 1 of the partitioned function "orders")'],
  ])("refuses %j at start-up, naming the problem", (list, message) => {
    expect(() => createWorker({ functions: list as never })).toThrow(ConfigError);
    expect(() => createWorker({ functions: list as never })).toThrow(message);
  });

  it("lists a partitioned function's members in the API, each an ordinary function on its partition stream", async () => {
    const orders = definePollingFunction({ name: "orders", stream: "s-orders", group: "g", crons: ["* * * * *"], handle, partitions: { count: 2, key: "account" } });
    const catalog = await createApi({ functions: [orders, fn("plain")], transport: () => bridgeTransport() }).request("/functions", { headers: { authorization: "Bearer t" } }, { API_TOKEN: "t" });
    const listed = ((await catalog.json()) as { functions: { name: string; stream: string }[] }).functions;
    expect(listed.map((f) => [f.name, f.stream])).toEqual([
      ["orders-p0", "{s-orders:p0}"],
      ["orders-p1", "{s-orders:p1}"],
      ["plain", "s-plain"],
    ]);
  });

  it("mounts under a path of the user's app, with /health still public there", async () => {
    const { Hono } = await import("hono");
    const app = new Hono();
    app.route("/queues", createApi({ functions: [fn("mounted")] }));
    const env = { API_TOKEN: "t" };
    expect((await app.request("/queues/streams/s-mounted", {}, env)).status).toBe(401);
    const open = await app.request("/queues/health", {}, env);
    expect(open.status).not.toBe(401);
    expect((await app.request("/health", {}, env)).status).toBe(404);
  });
});
