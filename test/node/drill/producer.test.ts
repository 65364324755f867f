/**
 * The drill's producer sorts every order into acknowledged or indeterminate;
 * the drills' verdicts rest on that split. Driven against a plain HTTP
 * endpoint answering as the enqueue route does (no Redis involved: this is
 * the drill's own bookkeeping).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { produce } from "../../../tools/drill/producer.js";
import type { Order } from "../../../tools/drill/workload.js";

let status = 201;
let url = "";
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const sent = JSON.parse(body) as unknown[];
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(status === 201 ? { ids: sent.map((_, i) => `1-${i}`) } : { error: { code: "invalid_message", message: "no" } }));
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const orders: Order[] = Array.from({ length: 25 }, (_, i) => ({ key: `o-${i}`, kind: "clean", fields: { orderID: `o-${i}` } }));

describe("the drill's producer", () => {
  it("counts every acknowledged order as acknowledged, none as indeterminate", async () => {
    status = 201;
    const produced = await produce({ apiUrl: url, token: "t", stream: "s", orders, batchSize: 10, lanes: 2, keyPrefix: "k" });
    expect(produced.acked.size).toBe(25);
    expect(produced.indeterminate).toEqual([]);
    expect(produced.dueAt.size).toBe(0);
  });

  it("counts a refused batch's orders as indeterminate", async () => {
    status = 400;
    const produced = await produce({ apiUrl: url, token: "t", stream: "s", orders, batchSize: 10, lanes: 1, keyPrefix: "k" });
    expect(produced.acked.size).toBe(0);
    expect(produced.indeterminate).toHaveLength(25);
  });
});
