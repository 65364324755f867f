/**
 * What a test reads back from the store, through the same transport the
 * runs use: a stream's entries and a group's pending entries. A missing
 * stream or group reads as empty, as a fresh deployment looks.
 */
import { xpendingRange, xrange } from "../core/redis/commands.js";
import { isMissingGroup } from "../core/features/ensure-group.js";
import { pipelineSettled, sendPipeline } from "../core/redis/ops.js";
import type { PendingEntry, StreamEntry } from "../core/redis/parse-replies.js";
import type { Transport } from "../core/redis/transport.js";

/** More than a unit test enqueues; a test that needs more reads the transport itself. */
const MAX = 10_000;

export async function readStream(transport: Transport, stream: string): Promise<StreamEntry[]> {
  const [entries] = await sendPipeline(transport, [xrange(stream, "-", "+", MAX)] as const);
  return entries;
}

export async function readPending(transport: Transport, stream: string, group: string): Promise<PendingEntry[]> {
  const [found] = await pipelineSettled(transport, [xpendingRange(stream, group, { count: MAX })] as const);
  if (found.ok) return found.value;
  if (isMissingGroup(found.error)) return [];
  throw new Error(`XPENDING ${stream} ${group}: ${found.error}`);
}
