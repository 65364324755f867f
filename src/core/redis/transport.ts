/**
 * The one thing the engine needs from a Redis client: send a batch of raw
 * commands as one HTTP request, either as a non-atomic pipeline or as an
 * atomic MULTI/EXEC. Everything in `src/core` talks to Redis through this
 * type, so any client can be injected: the official `@upstash/redis` client
 * (see `upstash-transport.ts`), or a counting wrapper in a test.
 */

export type Arg = string | number;
/** A raw command as Redis spells it: `["XACK", stream, group, id]`. */
export type Command = readonly [string, ...Arg[]];
/** A RESP2 reply as the Upstash REST protocol carries it in JSON. */
export type Reply = string | number | null | Reply[];
/** One command's outcome inside a pipeline or transaction: errors are inline. */
export type Outcome = { result: Reply } | { error: string };

export interface Transport {
  /**
   * `POST /pipeline`: not atomic. Resolves with one outcome per command.
   * Rejects with `TransportError` when the request itself failed.
   */
  pipeline(commands: readonly Command[]): Promise<Outcome[]>;
  /**
   * `POST /multi-exec`: atomic. Resolves with one outcome per command.
   * Rejects with `RedisReplyError` when the transaction was refused as a whole
   * (nothing ran), and with `TransportError` when the outcome is unknown.
   */
  transaction(commands: readonly Command[]): Promise<Outcome[]>;
}

export function isError(outcome: Outcome): outcome is { error: string } {
  return "error" in outcome && typeof outcome.error === "string";
}
