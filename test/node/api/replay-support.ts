/**
 * Helpers for replay tests: dead letters planted at chosen ids (so an id can
 * be spelled several ways), and a count of where a message now is.
 */
import { deadLetterFields } from "../../../src/core/dead-letter.js";
import type { PollingFunction } from "../../../src/core/define.js";
import type { RedisTcp } from "../../support/keys.js";
import { entries } from "../../support/engine.js";

/** Writes a dead letter of `fn` at `id` in `dlq`, as a run would have. */
export async function plantDeadLetter(tcp: RedisTcp, fn: PollingFunction, dlq: string, id: string, fields: Record<string, string>): Promise<string> {
  return tcp.xAdd(
    dlq,
    id,
    deadLetterFields({ originalId: "1-0", stream: fn.stream, group: fn.group, function: fn.name, deliveries: 1, error: "boom", failedAt: new Date(0).toISOString(), fields }),
  );
}

/** Where the message tagged `tag` now is: entries on `stream` carrying it, and dead letters in `dlq` holding it. */
export async function copies(tcp: RedisTcp, stream: string, dlq: string, tag: string): Promise<{ onStream: number; deadLetters: number }> {
  const onStream = (await tcp.type(stream)) === "stream" ? (await entries(tcp, stream)).filter((e) => e.message.tag === tag).length : 0;
  const deadLetters = (await entries(tcp, dlq)).filter((e) => (JSON.parse(e.message.fields ?? "{}") as Record<string, string>).tag === tag).length;
  return { onStream, deadLetters };
}

export const lockKeys = (tcp: RedisTcp, dlq: string) => tcp.keys(`cronsumer:replay:${dlq}:*`);
