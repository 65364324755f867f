/**
 * A throwaway Redis for tests: `redis-server` from PATH on a free port of
 * 127.0.0.1, no persistence, its own temp dir, so test runs never touch a
 * system Redis or each other.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export const NO_REDIS_MESSAGE =
  "No Redis for the tests: install one with `apt-get install -y redis-server`, or set REDIS_URL=redis://host:port.";

/** `REDIS_URL` when set (left running at the end), else a spawned `redis-server`. */
export async function resolveRedis(): Promise<RedisServer> {
  const given = process.env.REDIS_URL;
  if (given) {
    return { url: given, port: Number(new URL(given).port || 6379), stop: async () => {} };
  }
  if (!onPath("redis-server")) throw new Error(NO_REDIS_MESSAGE);
  return startRedisServer();
}

export interface StartRedisOptions {
  /** A fixed port, e.g. to restart a stopped server where clients expect it. Default: a free one. */
  port?: number;
}

export async function startRedisServer({ port }: StartRedisOptions = {}): Promise<RedisServer> {
  if (port !== undefined) return spawnOn(port);
  // The free port can be taken between probing and binding: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await spawnOn(await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function spawnOn(port: number): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "cronsumer-redis-"));
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-2000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  // A crashed test runner must not leave a redis-server behind.
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
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitForPong(port, 10_000), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}

async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.setTimeout(1000, () => socket.destroy());
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (reply.includes("\r\n")) socket.end();
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve(reply.startsWith("+PONG")));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
