/**
 * A real HTTP receiver for handler and webhook tests, in Node, reachable from
 * workerd and from Node tests alike. Every request to `/hook/<box>…` is
 * recorded in its box; `GET /box/<box>` answers the box as JSON, so a test
 * inside workerd can see what arrived. Webhook signatures are checked with
 * `secret` as a receiver would (HMAC over `timestamp.body`), and recorded as
 * `verified`.
 *
 * What it answers: the status in `?status=`, else the delivery's
 * `fields.respond` (webhook bodies), else 200. A 3xx carries
 * `Location: /hook/<box>/moved`, so a client that follows it shows up there.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhook } from "../../src/core/handle/signature.js";

export interface Received {
  method: string;
  path: string;
  body: string;
  /** The signature checked out against the receiver's secret. */
  verified: boolean;
  id: string | null;
  attempt: string | null;
}

export interface Receiver {
  url: string;
  close(): Promise<void>;
}

const header = (req: IncomingMessage, name: string): string | null => {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
};

/** `fields.respond`: a status, or `<status>-once` for that status on the first attempt and 200 after. */
function statusFor(url: URL, body: string, attempt: string | null): number {
  const asked = url.searchParams.get("status");
  if (asked) return Number(asked);
  const respond = fieldsOf(body).respond;
  if (respond?.endsWith("-once")) return attempt === "1" ? Number(respond.slice(0, -5)) : 200;
  if (respond) return Number(respond);
  return 200;
}

function fieldsOf(body: string): Record<string, string> {
  try {
    return (JSON.parse(body) as { fields?: Record<string, string> }).fields ?? {};
  } catch {
    return {}; // Not a webhook body: the defaults apply.
  }
}

export async function startReceiver(secret: string): Promise<Receiver> {
  const boxes = new Map<string, Received[]>();
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://receiver");
      const [, kind, box] = url.pathname.split("/");
      if (kind === "box" && box) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(boxes.get(box) ?? []));
        return;
      }
      if (kind !== "hook" || !box) {
        res.writeHead(404).end();
        return;
      }
      const nowS = Math.floor(Date.now() / 1000);
      const verified = await verifyWebhook(secret, header(req, "cronsumer-signature"), header(req, "cronsumer-timestamp"), body, nowS);
      const list = boxes.get(box) ?? [];
      list.push({ method: req.method ?? "", path: url.pathname, body, verified, id: header(req, "cronsumer-id"), attempt: header(req, "cronsumer-attempt") });
      boxes.set(box, list);
      const status = url.pathname.endsWith("/moved") ? 200 : statusFor(url, body, header(req, "cronsumer-attempt"));
      const headers: Record<string, string> = status >= 300 && status < 400 ? { location: `/hook/${box}/moved` } : {};
      const retryAfter = fieldsOf(body).retryAfter; // `fields.retryAfter`: sent as Retry-After with a non-2xx answer
      if (retryAfter !== undefined && status !== 200) headers["retry-after"] = retryAfter;
      res.writeHead(status, headers).end(status === 200 ? "ok" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
