/**
 * Adapts the official `@upstash/redis` client to the engine's `Transport`.
 *
 * The client's typed commands reshape replies (`automaticDeserialization`
 * JSON-parses every string, so a field "42" arrives as the number 42) and some
 * drop arguments (`xautoclaim` drops COUNT 0, `xclaim` sends TIME with IDLE).
 * We therefore send raw command arrays through the client's own HTTP layer,
 * which keeps its auth, base64 decoding and sync-token handling, and parse the
 * replies ourselves in `parse-replies.ts`.
 */
import type { Redis } from "@upstash/redis";
import { RedisReplyError, TransportError } from "./errors.js";
import type { Command, Outcome, Reply, Transport } from "./transport.js";

type RawResponse = { result?: Reply; error?: string };
interface Requester {
  request(req: { path?: string[]; body?: unknown }): Promise<RawResponse | RawResponse[]>;
}

/** Error replies start with an upper-case code (`ERR`, `EXECABORT`, `NOGROUP` …). */
const REDIS_ERROR = /^[A-Z][A-Z_]+ /;

export function upstashTransport(redis: Redis): Transport {
  // `client` is protected in the type but public at run time; it is the
  // client's HTTP layer, shared by every typed command.
  const requester = (redis as unknown as { client: Requester }).client;
  if (!requester || typeof requester.request !== "function") {
    throw new TypeError("upstashTransport: expected an @upstash/redis Redis instance");
  }

  async function send(path: "pipeline" | "multi-exec", commands: readonly Command[]): Promise<Outcome[]> {
    let response: RawResponse | RawResponse[];
    try {
      response = await requester.request({ path: [path], body: commands });
    } catch (error) {
      throw classify(error);
    }
    if (!Array.isArray(response) || response.length !== commands.length) {
      throw new TransportError(`/${path} answered ${JSON.stringify(response).slice(0, 200)}; expected ${commands.length} results`);
    }
    return response.map((entry) =>
      typeof entry.error === "string" ? { error: entry.error } : { result: entry.result ?? null },
    );
  }

  return {
    pipeline: (commands) => send("pipeline", commands),
    transaction: (commands) => send("multi-exec", commands),
  };
}

function classify(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  // UpstashError's message is "<server error>, command was: …".
  const serverMessage = message.split(", command was:")[0] ?? message;
  if (error instanceof Error && error.name === "UpstashError" && REDIS_ERROR.test(serverMessage)) {
    return new RedisReplyError(serverMessage, { cause: error });
  }
  return new TransportError(`request to Redis failed: ${serverMessage}`, { cause: error });
}
