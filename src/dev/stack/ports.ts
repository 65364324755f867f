/**
 * Ports for the local stack: find a free one, refuse a taken one up front
 * with a message that names it and the variable that moves it, and tell
 * when one has stopped listening.
 */
import { createConnection, createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
    readonly hint: string,
  ) {
    super(`port ${port} for ${what} is already in use${hint ? ` (${hint})` : ""}`);
    this.name = "PortInUseError";
  }
}

/** A port nobody listens on right now; it may be taken before it is bound, so callers bind soon. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port assigned"))));
    });
  });
}

/**
 * Throws `PortInUseError` when `port` cannot be bound on `host`, or when
 * something already answers on it (a listener on 0.0.0.0 or another
 * address would not stop our bind but would confuse whoever connects).
 */
export async function assertPortFree(port: number, what: string, { host = "127.0.0.1", hint = "" } = {}): Promise<void> {
  const bindable = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
  if (!bindable || (await isListening(port, host))) throw new PortInUseError(port, what, hint);
}

/** True when a TCP connection to `host:port` is accepted. */
export function isListening(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => resolve(false));
  });
}

/** Resolves once nothing listens on `port`; false if something still does after `timeoutMs`. */
export async function waitUntilClosed(port: number, timeoutMs: number, host = "127.0.0.1"): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isListening(port, host))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}
