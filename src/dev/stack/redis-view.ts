/**
 * What the stack's store holds, read through the bridge with the official
 * client, as the Worker reads it: for the demo's summary and the tests'
 * assertions, independent of the API under test.
 */
import { Redis } from "@upstash/redis";
import { xlen, xpendingRange, xrange, xrevrange } from "../../core/redis/commands.js";
import { parseDeadLetter, type DeadLetter } from "../../core/dead-letters/dead-letter.js";
import { pipelineSettled, sendPipeline } from "../../core/redis/ops.js";
import { isMissingGroup } from "../../core/features/ensure-group.js";
import type { PendingEntry, StreamEntry } from "../../core/redis/parse-replies.js";
import type { Transport } from "../../core/redis/transport.js";
import { upstashTransport } from "../../core/redis/upstash-transport.js";

export interface RedisView {
  transport: Transport;
  /** Entries after `afterId` (exclusive), or all of them; at most 10,000. */
  entries(stream: string, afterId?: string): Promise<StreamEntry[]>;
  /** The newest entry's id, if any. */
  lastId(stream: string): Promise<string | undefined>;
  length(stream: string): Promise<number>;
  /** The group's PEL (up to 10,000 entries); empty when the group does not exist yet. */
  pending(stream: string, group: string): Promise<PendingEntry[]>;
  /** Entries of a dead-letter stream in cronsumer's format, after `afterId`. */
  deadLetters(stream: string, afterId?: string): Promise<DeadLetter[]>;
}

const MAX = 10_000;

export function redisView(bridgeUrl: string, bridgeToken: string): RedisView {
  const transport = upstashTransport(
    new Redis({ url: bridgeUrl, token: bridgeToken, retry: { retries: 0 }, automaticDeserialization: false, enableTelemetry: false }),
  );
  const entries = async (stream: string, afterId?: string) => {
    const [found] = await sendPipeline(transport, [xrange(stream, afterId ?? "-", "+", MAX)] as const);
    return afterId === undefined ? found : found.filter((e) => e.id !== afterId);
  };
  return {
    transport,
    entries,
    async lastId(stream) {
      const [found] = await sendPipeline(transport, [xrevrange(stream, "+", "-", 1)] as const);
      return found[0]?.id;
    },
    async length(stream) {
      return (await sendPipeline(transport, [xlen(stream)] as const))[0];
    },
    async pending(stream, group) {
      const [found] = await pipelineSettled(transport, [xpendingRange(stream, group, { count: MAX })] as const);
      if (found.ok) return found.value;
      if (isMissingGroup(found.error)) return [];
      throw new Error(`XPENDING ${stream} ${group}: ${found.error}`);
    },
    async deadLetters(stream, afterId) {
      return (await entries(stream, afterId)).flatMap((e) => parseDeadLetter(e) ?? []);
    },
  };
}
