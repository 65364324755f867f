/**
 * Helpers for replay tests: dead letters planted at chosen ids (so an id can
 * be spelled several ways), and a count of where a message now is.
 */
import { afterAll, beforeAll } from "vitest";
import type { Fault, FaultContext } from "../../../src/dev/bridge/faults.js";
import { privateBridge, type PrivateBridge } from "../bridge/support.js";
import { deadLetterFields } from "../../../src/core/dead-letters/dead-letter.js";
import type { PollingFunction } from "../../../src/core/define/define.js";
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

export interface MultiFault {
  command: string;
  key: string;
  when: "before" | "after";
  fault: Fault;
}

/**
 * A private bridge for the file, failing once, on the first /multi-exec whose
 * first command is `command` on `key`, each time `aim` names one.
 */
export function useFaultyMultiBridge(): { aim(fault: MultiFault): void; env(): { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string } } {
  let bridge: PrivateBridge | undefined;
  let aimed: MultiFault | undefined;
  const hits = (ctx: FaultContext, when: "before" | "after") => {
    if (!aimed || aimed.when !== when || ctx.path !== "/multi-exec") return undefined;
    const [first] = ctx.commands;
    if (first?.[0]?.toUpperCase() !== aimed.command || first[1] !== aimed.key) return undefined;
    const fault = aimed.fault;
    aimed = undefined;
    return fault;
  };
  beforeAll(async () => {
    bridge = await privateBridge({ faults: { before: (ctx) => hits(ctx, "before"), after: (ctx) => hits(ctx, "after") } });
  });
  afterAll(() => bridge?.close());
  return {
    aim: (fault) => void (aimed = fault),
    env: () => ({ UPSTASH_REDIS_REST_URL: bridge!.bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge!.token }),
  };
}
