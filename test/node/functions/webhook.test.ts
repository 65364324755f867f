/**
 * The `webhook` function against a local HTTP server that checks each
 * delivery's signature and answers with the status the message asks for.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { verifyWebhook } from "../../../src/core/handle/signature.js";
import { runFunction } from "../../../src/core/run/run.js";
import { runOne } from "../../../src/functions/scheduled.js";
import { webhook } from "../../../src/functions/webhook.js";
import { age, bridgeTransport, enqueue, entries, type Fixture, fixture, pending } from "../../support/engine.js";

const SECRET = "whsec-test";
let f: Fixture;
let server: Server;
let url: string;
const received: { id: string; attempt: string; verified: boolean; body: { fields: Record<string, string> } }[] = [];

beforeAll(async () => {
  f = await fixture();
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      const verified = await verifyWebhook(SECRET, req.headers["cronsumer-signature"] as string, req.headers["cronsumer-timestamp"] as string, body, Math.floor(Date.now() / 1000));
      const parsed = JSON.parse(body);
      received.push({ id: String(req.headers["cronsumer-id"]), attempt: String(req.headers["cronsumer-attempt"]), verified, body: parsed });
      const wanted = parsed.fields.respond as string;
      if (wanted === "hang") return; // never answers: the handler's timeout must fire
      const status = wanted === "flaky" ? (req.headers["cronsumer-attempt"] === "1" ? 503 : 200) : Number(wanted);
      res.writeHead(verified ? status : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await f.cleanup();
});

describe("webhook", () => {
  it("signs every delivery, acknowledges 2xx, retries 5xx, 408, 429 and timeouts, and dead-letters other 4xx", async () => {
    const base = f.fn({ handle: webhook.handle });
    // Generous: on a loaded machine the first signed POST alone can take 300 ms, and a timeout is a retry.
    const fn = definePollingFunction({
      ...webhook,
      name: base.name,
      stream: base.stream,
      options: { ...webhook.options, ...base.options, handlerTimeoutMs: 1_500, maxDeliveries: 3, backoff: { strategy: "fixed", baseDelayMs: 0, maxDelayMs: 0 } },
    });
    const ids = await enqueue(f.tcp, fn.stream, ["200", "204", "flaky", "404", "410", "408", "429", "500", "hang"].map((respond) => ({ respond })));
    const vars = { WEBHOOK_URL: url, WEBHOOK_SECRET: SECRET };
    const transport = bridgeTransport();
    for (let i = 0; i < 4; i++) {
      await runFunction(fn, { transport, vars, trigger: "cron" });
      await age(f.tcp, fn.stream, fn.group, 60_000);
    }
    expect(received.every((r) => r.verified)).toBe(true);
    const attempts = (respond: string) => received.filter((r) => r.body.fields.respond === respond).map((r) => r.attempt);
    expect(attempts("200")).toEqual(["1"]);
    expect(attempts("flaky")).toEqual(["1", "2"]);
    expect(attempts("404")).toEqual(["1"]);
    for (const retried of ["408", "429", "500", "hang"]) expect(attempts(retried)).toEqual(["1", "2", "3"]);

    const dlq = (await entries(f.tcp, fn.options.deadLetterStream!)).map((e) => e.message);
    const dead = Object.fromEntries(dlq.map((d) => [JSON.parse(d.fields!).respond, d]));
    expect(Object.keys(dead).sort()).toEqual(["404", "408", "410", "429", "500", "hang"]);
    expect(dead["404"]).toMatchObject({ deliveries: "1", error: "PermanentError: webhook answered 404" });
    expect(dead["500"]).toMatchObject({ deliveries: "3", error: "webhook answered 500" });
    expect(dead.hang).toMatchObject({ deliveries: "3", error: "handler timed out after 1500 ms" });
    expect(await pending(f.tcp, fn.stream, fn.group)).toEqual([]);
    expect(ids).toHaveLength(9);
  });

  it("is skipped, with the reason, when WEBHOOK_URL is not set", async () => {
    expect(await runOne(webhook, {}, bridgeTransport())).toEqual({ function: "webhook", skipped: "WEBHOOK_URL is not set" });
  });
});
