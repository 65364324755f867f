/**
 * The CPU bench's baseline: the least a consumer of one stream can do through
 * the same client, folded as the run is (the acknowledgement and the next
 * read in one request). XREADGROUP a batch; hand each message, its fields as
 * an object, to a no-op handler; then one `/pipeline` with the batch's XACK
 * and the next XREADGROUP; until a read comes back short or `maxMessages`
 * are read. No recovery, no retries, no budget, no report, no features: what
 * cronsumer's run costs above this, per message, is the engine's own cost,
 * with the client's (request building, JSON, HTTP) cancelled out.
 *
 * It uses the transport the Worker's runs get their client from
 * (`databaseTransport`: the same `@upstash/redis` instance, raw commands
 * through its HTTP layer), so both sides pay the same client. For the bench
 * only.
 */
import type { Transport } from "../../../src/core/redis/transport.js";

export interface FoldedOptions {
  stream: string;
  group: string;
  batchSize: number;
  /** Stop after this many messages. @default Infinity */
  maxMessages?: number;
  handle?: (message: FoldedMessage) => Promise<void>;
}

export interface FoldedMessage {
  id: string;
  fields: Record<string, string>;
}

export interface FoldedReport {
  requests: number;
  read: number;
}

type Entry = [string, string[]];
type ReadReply = [string, Entry[]][] | null;

const noop = async () => {};

export async function foldedLoop(t: Transport, o: FoldedOptions): Promise<FoldedReport> {
  const handle = o.handle ?? noop;
  const max = o.maxMessages ?? Infinity;
  const read = (count: number) => ["XREADGROUP", "GROUP", o.group, "folded", "COUNT", count, "STREAMS", o.stream, ">"] as const;
  let outcomes = await t.pipeline([read(Math.min(o.batchSize, max))]);
  let requests = 1;
  let total = 0;
  for (;;) {
    for (const x of outcomes) if ("error" in x) throw new Error(`folded loop: ${x.error}`);
    const last = outcomes[outcomes.length - 1]!;
    const entries = ("result" in last ? (last.result as ReadReply)?.[0]?.[1] : undefined) ?? [];
    if (entries.length === 0) break;
    const ids: string[] = [];
    for (const [id, pairs] of entries) {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) fields[pairs[i]!] = pairs[i + 1]!;
      await handle({ id, fields });
      ids.push(id);
    }
    total += entries.length;
    const ack = ["XACK", o.stream, o.group, ...ids] as const;
    const more = entries.length === Math.min(o.batchSize, max - total + entries.length) && total < max;
    outcomes = await t.pipeline(more ? [ack, read(Math.min(o.batchSize, max - total))] : [ack]);
    requests += 1;
    if (!more) {
      if ("error" in outcomes[0]!) throw new Error(`folded loop: ${outcomes[0].error}`);
      break;
    }
  }
  return { requests, read: total };
}

/** The loop's options from a bench query (`stream`, `group`, `options` as JSON with `batchSize`, `maxMessages`), as the bench sends runs. */
export function foldedOptions(get: (name: string) => string | null | undefined): FoldedOptions {
  const o = JSON.parse(get("options") ?? "{}") as { batchSize?: number; maxMessages?: number };
  return { stream: get("stream")!, group: get("group")!, batchSize: o.batchSize ?? 10, maxMessages: o.maxMessages };
}

/** Runs the loop and answers a report shaped enough for the bench (requests, read, reclaimed, stop reason). */
export async function foldedRun(t: Transport, o: FoldedOptions) {
  return { ...(await foldedLoop(t, o)), reclaimed: 0, stopReason: "drained" as const };
}
