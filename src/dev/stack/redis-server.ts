/**
 * A `redis-server` child on 127.0.0.1: for the local stack (persistent, in
 * `.cronsumer/redis`) and for the test suite (throwaway, in a temp dir).
 *
 * It requires a password, random per start unless given, so no other local
 * user can reach the data (or CONFIG SET a way in) through the port. The
 * password goes to redis-server on its standard input (`redis-server -`
 * reads its config from there), never in its arguments, which every local
 * user can read in `ps`; it travels in the URL handed back, for clients.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { createConnection } from "node:net";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface RedisServerOptions {
  port: number;
  /** Working directory: AOF files when `persist`, nothing otherwise. */
  dir: string;
  /**
   * Append-only file, fsynced every second and on shutdown: a stop and
   * start loses nothing.
   * @default false
   */
  persist?: boolean;
  /**
   * Its own process group, so a Ctrl-C at the terminal reaches only the
   * parent, which then stops the Worker before its store, never the store first.
   * @default false
   */
  detached?: boolean;
  /** @default 10_000 */
  readyTimeoutMs?: number;
  /** `requirepass`; give the old one to restart a server its clients reconnect to. @default random */
  password?: string;
}

export interface RedisServer {
  /** `redis://:<password>@127.0.0.1:<port>`: redact it before printing. */
  url: string;
  password: string;
  port: number;
  pid: number;
  /** SIGTERM (Redis saves and exits), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export async function spawnRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const { port, dir, persist = false, detached = false, readyTimeoutMs = 10_000, password = randomBytes(24).toString("hex") } = options;
  // Safe unquoted in redis.conf, in an inline AUTH and in a URL.
  if (!/^[\w.~-]+$/.test(password)) throw new TypeError("Expected `password` to hold only letters, digits and . _ ~ -");
  const persistence = persist ? ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""] : ["--appendonly", "no", "--save", ""];
  const child = spawn(
    "redis-server",
    ["-", "--port", String(port), "--bind", "127.0.0.1", ...persistence, "--dir", dir, "--daemonize", "no"],
    { stdio: ["pipe", "pipe", "pipe"], detached },
  );
  child.stdin!.on("error", () => {}); // An early exit is reported below, with redis-server's own words.
  child.stdin!.end(`requirepass ${password}\n`);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-2000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  // Whatever happens to the parent, it must not leave a redis-server behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const exited = new Promise<never>((_, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`redis-server on port ${port} exited early (${signal ?? code}): ${output.trim().split("\n").pop() ?? ""}`)),
    );
  });
  exited.catch(() => {});

  const stop = async () => {
    process.off("exit", killOnExit);
    await terminate(child);
  };
  try {
    await Promise.race([waitForPong(port, password, readyTimeoutMs), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://:${password}@127.0.0.1:${port}`, password, port, pid: child.pid!, stop };
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}

async function waitForPong(port: number, password: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(port, password)) return;
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

function ping(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.setTimeout(1000, () => socket.destroy());
    socket.on("connect", () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (reply.split("\r\n").length > 2) socket.end();
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve(reply === "+OK\r\n+PONG\r\n"));
  });
}

/** True when an executable named `command` is in a directory of PATH. */
export function onPath(command: string, path = process.env.PATH ?? ""): boolean {
  return path.split(delimiter).some((dir) => {
    if (dir === "") return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
