/**
 * The embedded engine over TCP, in RESP2: enough of the Redis protocol for
 * node-redis v5 (`createClient({ RESP: 2 })`) to connect, send commands and
 * pipelines, and run `multi()`. The test suite uses it when there is no real
 * Redis, so its independent TCP view of the store keeps working.
 *
 * Per connection, commands run one at a time in the order they arrived, and
 * replies go out in that order. The connection commands a client sends on
 * its own (HELLO 2, SELECT 0, CLIENT SETINFO …, QUIT) and MULTI / EXEC /
 * DISCARD are handled here; everything else goes to `backend.command`. A
 * transaction is queued per connection and runs as one `backend.transaction`
 * at EXEC, and a command the engine would refuse is refused at queue time,
 * as Redis does, so EXEC then answers EXECABORT.
 */
import { createServer, type Socket } from "node:net";
import type { Backend, Outcome, Reply } from "../bridge/backend.js";
import { lookup } from "./dispatch.js";
import { EXECABORT } from "./errors.js";
import { isStatus } from "./status-replies.js";

export interface RespServerOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
}

export interface RespServer {
  /** `redis://<host>:<port>` */
  url: string;
  port: number;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

export async function startRespServer(backend: Backend, options: RespServerOptions = {}): Promise<RespServer> {
  const { port = 0, host = "127.0.0.1" } = options;
  const sockets = new Set<Socket>();
  let nextId = 1;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serve(socket, backend, nextId++);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the RESP server has no TCP address");
  return {
    url: `redis://${host}:${address.port}`,
    port: address.port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Thrown by the parser: Redis answers `-ERR Protocol error: …` and closes the connection. */
class ProtocolError extends Error {}

const CRLF = Buffer.from("\r\n");
/** Redis's proto-max-bulk-len default. */
const MAX_BULK = 512 * 1024 * 1024;

/** Incremental RESP request parser: arrays of bulk strings, and inline commands. */
class RequestParser {
  private buffer: Buffer = Buffer.alloc(0);
  /** Chunks not yet joined onto `buffer`: a large value arriving in many chunks is copied once, not per chunk. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the command at the head needs before it can be complete. */
  private wanted = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete command, `undefined` when more bytes are needed. */
  next(): string[] | undefined {
    for (;;) {
      if (this.buffered < this.wanted) return undefined;
      if (this.chunks.length > 0) {
        this.buffer = Buffer.concat([this.buffer, ...this.chunks]);
        this.chunks = [];
      }
      if (this.buffer.length === 0) return undefined;
      const parsed = this.buffer[0] === 0x2a /* * */ ? this.multibulk() : this.inline();
      if (parsed === undefined) return undefined;
      this.buffer = this.buffer.subarray(parsed.end);
      this.buffered = this.buffer.length;
      this.wanted = 0;
      // Empty requests (a bare CRLF, `*0`) are skipped, as Redis does.
      if (parsed.argv.length > 0) return parsed.argv;
    }
  }

  private line(from: number): { text: string; end: number } | undefined {
    const at = this.buffer.indexOf(CRLF, from);
    if (at < 0) {
      if (this.buffer.length - from > 64 * 1024) throw new ProtocolError("too big inline request");
      return undefined;
    }
    return { text: this.buffer.toString("latin1", from, at), end: at + 2 };
  }

  private inline(): { argv: string[]; end: number } | undefined {
    const at = this.buffer.indexOf(0x0a /* \n */);
    if (at < 0) {
      if (this.buffer.length > 64 * 1024) throw new ProtocolError("too big inline request");
      return undefined;
    }
    const text = this.buffer.toString("utf8", 0, at).replace(/\r$/, "");
    return { argv: text.split(/\s+/).filter((word) => word !== ""), end: at + 1 };
  }

  private multibulk(): { argv: string[]; end: number } | undefined {
    const header = this.line(1);
    if (!header) return undefined;
    const count = Number(header.text);
    if (!Number.isInteger(count) || count > 1024 * 1024) throw new ProtocolError("invalid multibulk length");
    const argv: string[] = [];
    let at = header.end;
    for (let i = 0; i < count; i++) {
      if (at >= this.buffer.length) return undefined;
      if (this.buffer[at] !== 0x24 /* $ */) {
        throw new ProtocolError(`expected '$', got '${String.fromCharCode(this.buffer[at]!)}'`);
      }
      const size = this.line(at + 1);
      if (!size) return undefined;
      const length = Number(size.text);
      if (!Number.isInteger(length) || length < 0 || length > MAX_BULK) throw new ProtocolError("invalid bulk length");
      if (size.end + length + 2 > this.buffer.length) {
        this.wanted = size.end + length + 2;
        return undefined;
      }
      argv.push(this.buffer.toString("utf8", size.end, size.end + length));
      at = size.end + length + 2;
    }
    return { argv, end: at };
  }
}

interface Connection {
  id: number;
  /** Commands queued after MULTI; `dirty` once one was refused (EXEC then aborts). */
  multi?: { commands: string[][]; dirty: boolean };
  quit: boolean;
}

function serve(socket: Socket, backend: Backend, id: number): void {
  const parser = new RequestParser();
  const pending: (string[] | ProtocolError)[] = [];
  const connection: Connection = { id, quit: false };
  let running = false;

  socket.setNoDelay(true);
  socket.on("error", () => {
    // A client that goes away mid-reply; nothing to tell anyone.
  });
  socket.on("data", (chunk: Buffer) => {
    parser.push(chunk);
    try {
      for (let argv = parser.next(); argv !== undefined; argv = parser.next()) pending.push(argv);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      pending.push(error);
      socket.pause();
    }
    void drain();
  });

  // One command at a time, in arrival order; replies batched until the queue runs dry.
  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    let out = "";
    try {
      while (pending.length > 0 && !socket.destroyed) {
        const next = pending.shift()!;
        if (next instanceof ProtocolError) {
          socket.end(`${out}-ERR Protocol error: ${next.message}\r\n`);
          return;
        }
        out += await execute(next, connection, backend);
        if (connection.quit) {
          socket.end(out);
          return;
        }
        if (out.length > 64 * 1024) {
          socket.write(out);
          out = "";
        }
      }
      if (out !== "" && !socket.destroyed) socket.write(out);
    } catch (cause) {
      // A bug here, not a Redis error: drop the connection rather than answer out of order.
      socket.destroy(cause instanceof Error ? cause : new Error(String(cause)));
    } finally {
      running = false;
    }
  }
}

/** Runs one command on a connection; the encoded reply. */
async function execute(argv: string[], connection: Connection, backend: Backend): Promise<string> {
  const name = argv[0]!.toLowerCase();
  const multi = connection.multi;

  if (name === "exec") {
    if (!multi) return error("ERR EXEC without MULTI");
    connection.multi = undefined;
    if (multi.dirty) return error(EXECABORT);
    const executed = await guarded(() => backend.transaction(multi.commands));
    if ("error" in executed) return error(executed.error);
    return `*${executed.results.length}\r\n${executed.results.map((outcome, i) => encodeOutcome(multi.commands[i]!, outcome)).join("")}`;
  }
  if (name === "discard") {
    if (!multi) return error("ERR DISCARD without MULTI");
    connection.multi = undefined;
    return "+OK\r\n";
  }
  if (name === "multi") {
    if (multi) return error("ERR MULTI calls can not be nested");
    connection.multi = { commands: [], dirty: false };
    return "+OK\r\n";
  }
  if (multi) {
    const found = lookup(argv);
    if ("error" in found) {
      multi.dirty = true;
      return error(found.error);
    }
    multi.commands.push(argv);
    return "+QUEUED\r\n";
  }

  const own = connectionCommand(name, argv, connection);
  if (own !== undefined) return own;
  return encodeOutcome(argv, await guarded(() => backend.command(argv)));
}

/** A backend that cannot answer (closed, failed log write) is an error reply, not a dropped connection. */
async function guarded<T>(run: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await run();
  } catch (cause) {
    return { error: `ERR ${cause instanceof Error ? cause.message : String(cause)}` };
  }
}

/** What node-redis sends on connect, and the rest of the per-connection commands; undefined for the engine. */
function connectionCommand(name: string, argv: string[], connection: Connection): string | undefined {
  switch (name) {
    case "hello": {
      const version = argv[1];
      if (version !== undefined && !/^-?\d+$/.test(version)) return error("ERR Protocol version is not an integer or out of range");
      // Only RESP2 is spoken here.
      if (version !== undefined && version !== "2") return error("NOPROTO unsupported protocol version");
      return encode(
        ["server", "redis", "version", "7.0.15", "proto", 2, "id", connection.id, "mode", "standalone", "role", "master", "modules", []],
        false,
      );
    }
    case "select":
      if (argv.length !== 2) return error("ERR wrong number of arguments for 'select' command");
      if (!/^-?\d+$/.test(argv[1]!)) return error("ERR value is not an integer or out of range");
      return argv[1] === "0" ? "+OK\r\n" : error("ERR DB index is out of range");
    case "client": {
      const sub = (argv[1] ?? "").toLowerCase();
      if (sub === "setinfo" || sub === "setname") return "+OK\r\n";
      if (sub === "getname") return "$-1\r\n";
      if (sub === "id") return `:${connection.id}\r\n`;
      return error(`ERR unknown subcommand '${argv[1] ?? ""}'. Try CLIENT HELP.`);
    }
    case "quit":
      connection.quit = true;
      return "+OK\r\n";
    default:
      return undefined;
  }
}

function encodeOutcome(argv: readonly string[], outcome: Outcome): string {
  if ("error" in outcome) return error(outcome.error);
  const name = argv[0]!.toLowerCase();
  const value = outcome.result;
  // An empty XREAD / XREADGROUP is a nil array in Redis; any other nil is a nil bulk string.
  if (value === null && (name === "xread" || name === "xreadgroup")) return "*-1\r\n";
  return encode(value, typeof value === "string" && isStatus(name, argv, value));
}

function encode(value: Reply, status: boolean): string {
  if (value === null) return "$-1\r\n";
  if (typeof value === "number") {
    return Number.isInteger(value) ? `:${Number.isSafeInteger(value) ? value : BigInt(value)}\r\n` : bulk(String(value));
  }
  if (typeof value === "string") return status ? `+${value}\r\n` : bulk(value);
  return `*${value.length}\r\n${value.map((item) => encode(item, false)).join("")}`;
}

function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

function error(message: string): string {
  return `-${message.replace(/[\r\n]+/g, " ")}\r\n`;
}
