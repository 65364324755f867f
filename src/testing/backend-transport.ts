/**
 * A `Transport` straight onto a store `Backend` (the in-memory engine, or a
 * Redis over TCP), with no HTTP in between: what a run sends as one
 * `/pipeline` or `/multi-exec` request goes to the backend as one pipeline
 * or one MULTI/EXEC. Arguments are stringified, as the Upstash REST server
 * does before sending them to Redis.
 */
import type { Backend } from "../dev/bridge/backend.js";
import { RedisReplyError, TransportError } from "../core/redis/errors.js";
import type { Command, Outcome, Transport } from "../core/redis/transport.js";

const argv = (commands: readonly Command[]): string[][] => commands.map((c) => c.map(String));

export function backendTransport(backend: Backend): Transport {
  return {
    async pipeline(commands) {
      try {
        return (await backend.pipeline(argv(commands))) as Outcome[];
      } catch (error) {
        throw new TransportError(`the store failed: ${(error as Error).message}`, { cause: error });
      }
    },
    async transaction(commands) {
      let answer;
      try {
        answer = await backend.transaction(argv(commands));
      } catch (error) {
        throw new TransportError(`the store failed: ${(error as Error).message}`, { cause: error });
      }
      if ("error" in answer) throw new RedisReplyError(answer.error);
      return answer.results as Outcome[];
    },
  };
}
