/**
 * Writes a message or a batch: one MULTI/EXEC of XADDs, so a batch is one
 * HTTP request to Redis and lands whole or not at all. The stream is created
 * if missing. `maxlen` trims with `MAXLEN ~`, which can drop entries that no
 * group has processed yet: the caller asked for it. A delayed enqueue
 * (`dueAt`) writes to the stream's delayed set instead (enqueue-delayed.ts).
 * Writes that take the wake lease with them, or span several partitions of
 * one database, go through enqueue-parts.ts.
 */
import { xadd } from "../core/redis/commands.js";
import { RedisReplyError } from "../core/redis/errors.js";
import type { Op } from "../core/redis/ops.js";
import { sendTransaction } from "../core/redis/ops.js";
import type { Fields } from "../core/redis/parse-replies.js";
import type { Transport } from "../core/redis/transport.js";
import type { Delay } from "./delay.js";
import { enqueueDelayed } from "./enqueue-delayed.js";

export interface EnqueueRequest {
  stream: string;
  messages: readonly Fields[];
  maxlen?: number | undefined;
  /** Delayed enqueue (delay.ts): the delay as asked (what is written: a relative one is counted on the Redis clock), and the due time this process's clock estimates for the answer. */
  delay?: Delay | undefined;
  dueAt?: number | undefined;
}

export function xaddOps({ stream, messages, maxlen }: EnqueueRequest): Op<string | null>[] {
  const trim = maxlen === undefined ? undefined : { strategy: "MAXLEN" as const, threshold: maxlen, approximate: true };
  return messages.map((fields) => xadd(stream, fields, trim ? { trim } : {}));
}

export const idsOf = (replies: readonly (string | null)[]): string[] =>
  replies.map((id) => {
    // Only NOMKSTREAM answers nil, and it is never sent.
    if (id === null) throw new RedisReplyError("XADD answered nil");
    return id;
  });

export async function enqueue(t: Transport, request: EnqueueRequest): Promise<string[]> {
  if (request.delay !== undefined) return enqueueDelayed(t, request.stream, request.messages, request.delay);
  return idsOf(await sendTransaction(t, xaddOps(request)));
}
