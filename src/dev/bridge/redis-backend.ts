/**
 * A `Backend` over a real Redis: one node-redis (v5) TCP connection, RESP2.
 *
 * One shared connection serves every request. node-redis writes the commands
 * of a `multi()` contiguously, so MULTI … EXEC never interleaves with other
 * requests' commands; state-changing commands (SELECT, WATCH, blocking reads)
 * are refused before they get here (`refused.ts`), because they would leak
 * into every other request on the same connection.
 *
 * When Redis is down the bridge must answer 503 at once, never hang: the
 * offline queue is off, so a command sent while the socket is not ready
 * rejects immediately, and the reconnect strategy keeps trying in the
 * background so the bridge recovers by itself when Redis comes back.
 */
import { createClient, ErrorReply, MultiErrorReply } from "redis";
import { BackendUnavailableError, type Backend, type Outcome, type Reply } from "./backend.js";

export interface RedisBackendOptions {
  /** Called with one line per outage and per recovery, never per retry. */
  log?: (line: string) => void;
  /**
   * Longest wait between reconnect attempts.
   * @default 1000
   */
  maxReconnectDelayMs?: number;
}

/** Redis's own text for a transaction refused at queue time. */
export const EXECABORT = "EXECABORT Transaction discarded because of previous errors.";

/**
 * Connects to `url` (redis://host:port). Resolves once connected, or once the
 * first attempt failed: the bridge then starts anyway, answers 503 and
 * reconnects in the background.
 */
export async function createRedisBackend(url: string, options: RedisBackendOptions = {}): Promise<Backend> {
  const { log = () => {}, maxReconnectDelayMs = 1000 } = options;
  const client = createClient({
    url,
    RESP: 2,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, maxReconnectDelayMs),
    },
  });

  let down = false;
  let lastError = "";
  // node-redis throws on an 'error' event nobody listens to; one line per outage is enough.
  client.on("error", (error: unknown) => {
    lastError = describe(error);
    if (down) return;
    down = true;
    log(`redis at ${redact(url)} unreachable: ${lastError}; reconnecting`);
  });
  client.on("ready", () => {
    if (down) log(`redis at ${redact(url)} reachable again`);
    down = false;
  });

  await new Promise<void>((resolve) => {
    client.once("ready", resolve);
    client.once("error", () => resolve());
    client.connect().catch(() => {
      // Only a closed client stops the connect loop; close() reports its own errors.
    });
  });

  // The server prefixes "Redis unreachable at <label>:"; say why, in the socket's words when offline.
  const unavailable = (error: unknown) => {
    const why = client.isReady || lastError === "" ? describe(error) : `${describe(error)} (${lastError})`;
    return new BackendUnavailableError(why, { cause: error });
  };

  return {
    async command(argv) {
      try {
        return { result: toReply(await client.sendCommand(argv)) };
      } catch (error) {
        if (error instanceof ErrorReply) return { error: error.message };
        throw unavailable(error);
      }
    },

    async pipeline(commands) {
      // Sent in the same tick, node-redis writes them back to back: one round trip.
      const settled = await Promise.allSettled(commands.map((argv) => client.sendCommand(argv)));
      return settled.map((entry): Outcome => {
        if (entry.status === "fulfilled") return { result: toReply(entry.value) };
        if (entry.reason instanceof ErrorReply) return { error: entry.reason.message };
        // Some commands may have run: the outcome is unknown, so the whole request fails.
        throw unavailable(entry.reason);
      });
    },

    async transaction(commands) {
      const multi = client.multi();
      for (const argv of commands) multi.addCommand(argv);
      try {
        const replies: unknown[] = await multi.exec();
        return { results: replies.map((reply) => ({ result: toReply(reply) })) };
      } catch (error) {
        // Run-time errors (WRONGTYPE …): EXEC ran everything, the errors are inline.
        if (error instanceof MultiErrorReply) {
          return {
            results: error.replies.map((reply: unknown): Outcome =>
              reply instanceof ErrorReply ? { error: reply.message } : { result: toReply(reply) },
            ),
          };
        }
        // A command refused while queueing rejects first, with its own message;
        // Redis then discarded the whole transaction at EXEC.
        if (error instanceof ErrorReply) return { error: `${EXECABORT} ${error.message}` };
        throw unavailable(error);
      }
    },

    async close() {
      if (client.isReady) await client.close();
      else if (client.isOpen) client.destroy();
    },
  };
}

/** RESP2 replies arrive as strings, numbers, null and arrays; anything else is a bug here. */
function toReply(value: unknown): Reply {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (Array.isArray(value)) return value.map(toReply);
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  throw new TypeError(`unexpected reply from Redis: ${Object.prototype.toString.call(value)}`);
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** A Redis URL may carry a password: never print it. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}
