/**
 * A local server speaking the Upstash REST protocol in front of a `Backend`,
 * so the official `@upstash/redis` client, the Worker under `wrangler dev`
 * and the tests talk to a real Redis exactly as they would to Upstash.
 *
 * Routes: `POST /` (one command), `POST /pipeline` (not atomic, errors
 * inline), `POST /multi-exec` (MULTI … EXEC). Every answer is JSON and carries
 * an `upstash-sync-token` header. Errors leave through one place, `answer`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { authorize } from "./auth.js";
import { BackendUnavailableError, type Backend, type Outcome, type Reply } from "./backend.js";
import { onClientError } from "./client-error.js";
import { discardRest } from "./discard-rest.js";
import { encodeBase64 } from "./encode.js";
import type { Fault, FaultContext, Faults } from "./faults.js";
import { HttpError } from "./http-error.js";
import { DEFAULT_MAX_BODY_BYTES, parseCommand, parseCommands, parseJson, readBody } from "./parse-body.js";
import { refusal } from "./refused.js";

export interface BridgeOptions {
  backend: Backend;
  /** Bearer token clients must present. */
  token: string;
  /**
   * 0 picks a free port.
   * @default 0
   */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /**
   * Fixed delay added to every request, to reproduce a remote round trip.
   * @default 0
   */
  latencyMs?: number;
  /**
   * Larger bodies answer 413, like Upstash's 10 MB cap.
   * @default 10 MiB
   */
  maxBodyBytes?: number;
  faults?: Faults;
  /**
   * Where the backend lives, for the 503 message ("Redis unreachable at …").
   * @default "the backend"
   */
  redisLabel?: string;
  /** Receives one line per internal error (a bug); nothing for normal or error answers. */
  log?: (line: string) => void;
}

export interface BridgeStats {
  /** Requests that reached the backend: what a peer pays in round trips. */
  requests: number;
  /** Commands sent to the backend: what Upstash would bill. */
  commands: number;
}

export interface BridgeHandle {
  url: string;
  port: number;
  readonly stats: BridgeStats;
  /** Stops accepting requests and waits for those in flight. The backend stays open: its creator closes it. */
  close(): Promise<void>;
}

type Route = "/" | "/pipeline" | "/multi-exec";
const ROUTES: ReadonlySet<string> = new Set<Route>(["/", "/pipeline", "/multi-exec"]);
type Answer = { status: number; body: unknown };

export async function startBridge(options: BridgeOptions): Promise<BridgeHandle> {
  const {
    backend,
    token,
    port = 0,
    host = "127.0.0.1",
    latencyMs = 0,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    faults,
    redisLabel = "the backend",
    log = () => {},
  } = options;
  if (typeof token !== "string" || token === "") throw new TypeError("Expected `token` to be a non-empty string");
  if (!(latencyMs >= 0)) throw new TypeError(`Expected \`latencyMs\` to be 0 or more, got ${latencyMs}`);
  if (!(maxBodyBytes > 0)) throw new TypeError(`Expected \`maxBodyBytes\` to be more than 0, got ${maxBodyBytes}`);

  const stats: BridgeStats = { requests: 0, commands: 0 };
  let syncToken = 0;

  async function run(path: Route, commands: string[][]): Promise<Answer> {
    stats.requests += 1;
    stats.commands += commands.length;
    if (path === "/") {
      const [argv] = commands as [string[]];
      const outcome = refused(argv) ?? (await backend.command(argv));
      return { status: "error" in outcome ? 400 : 200, body: outcome };
    }
    if (path === "/pipeline") return { status: 200, body: await pipeline(commands) };
    // Upstash discards the whole transaction when one command is unsupported.
    const rejected = commands.map(refusal).find((message) => message !== undefined);
    if (rejected !== undefined) return { status: 400, body: { error: `EXECABORT Transaction discarded: ${rejected}` } };
    const outcome = await backend.transaction(commands);
    return "error" in outcome ? { status: 400, body: outcome } : { status: 200, body: outcome.results };
  }

  async function pipeline(commands: string[][]): Promise<Outcome[]> {
    const refusals = commands.map(refused);
    const allowed = commands.filter((_, i) => refusals[i] === undefined);
    const results = allowed.length > 0 ? await backend.pipeline(allowed) : [];
    let next = 0;
    return refusals.map((outcome) => outcome ?? (results[next++] as Outcome));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (latencyMs > 0) await sleep(latencyMs);
    const path = route(req);
    authorize(req.headers.authorization, token);
    const body = parseJson(await readBody(req, maxBodyBytes));
    const commands = path === "/" ? [parseCommand(body)] : parseCommands(body);
    const ctx: FaultContext = { path, commands };
    if (inject(faults?.before?.(ctx), res)) return;
    const answer = await run(path, commands);
    if (inject(faults?.after?.(ctx, answer.body), res)) return;
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    send(res, answer.status, base64 ? encodeResults(answer.body) : answer.body);
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const json = JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      "Content-Type": "application/json",
      "Content-Length": String(Buffer.byteLength(json)),
      "upstash-sync-token": String(++syncToken),
    });
    res.end(json);
  }

  function answer(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    // Answered before the whole body arrived (413, 401 …): let the client finish sending and read this answer.
    discardRest(req, res);
    if (error instanceof HttpError) {
      const headers: Record<string, string> = error.status === 405 ? { Allow: "POST" } : {};
      send(res, error.status, { error: error.message }, headers);
      return;
    }
    if (error instanceof BackendUnavailableError) {
      // Not logged: an outage would log every request; the backend reports it once.
      send(res, 503, { error: `Redis unreachable at ${redisLabel}: ${error.message}` });
      return;
    }
    log(`bridge: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    send(res, 500, { error: `Internal bridge error: ${error instanceof Error ? error.message : String(error)}` });
  }

  const server = createServer(function bridgeRequest(req, res) {
    handle(req, res).catch((error: unknown) => answer(req, res, error));
  });
  server.on("clientError", onClientError);
  await listen(server, port, host);
  const actualPort = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    stats,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets would otherwise hold close() for seconds.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function route(req: IncomingMessage): Route {
  const path = new URL(req.url ?? "/", "http://bridge").pathname;
  if (!ROUTES.has(path)) throw new HttpError(404, `Not found: ${path} (routes: POST /, /pipeline, /multi-exec)`);
  if (req.method !== "POST") throw new HttpError(405, `Method ${req.method} not allowed on ${path}; use POST`);
  return path as Route;
}

function refused(argv: readonly string[]): Outcome | undefined {
  const message = refusal(argv);
  return message === undefined ? undefined : { error: message };
}

/** Applies a fault; true when the request has been answered (or dropped) by it. */
function inject(fault: Fault | undefined, res: ServerResponse): boolean {
  if (fault === undefined) return false;
  if (fault === "drop") {
    res.socket?.destroy();
    return true;
  }
  throw new HttpError(fault.status, `Injected fault: HTTP ${fault.status}`);
}

/** Errors are never encoded; results are, at every depth. */
function encodeResults(body: unknown): unknown {
  const encodeOne = (entry: unknown) =>
    entry !== null && typeof entry === "object" && "result" in entry
      ? { result: encodeBase64((entry as { result: Reply }).result) }
      : entry;
  return Array.isArray(body) ? body.map(encodeOne) : encodeOne(body);
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
