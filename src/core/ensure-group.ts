/**
 * Creates a missing stream and group (`XGROUP CREATE … MKSTREAM`), with its
 * backpressure gate (keys.ts `gateKey`) open, in one request. Another run may
 * create them first; BUSYGROUP is success for us.
 */
import { xgroupCreate } from "./commands.js";
import { RedisReplyError } from "./errors.js";
import { gateKey } from "./keys.js";
import { pipelineSettled } from "./ops.js";
import type { Transport } from "./transport.js";

export async function ensureGroup(t: Transport, stream: string, group: string, startId: string): Promise<"created" | "existed"> {
  const [result] = await pipelineSettled(t, [xgroupCreate(stream, group, startId, { mkStream: true }), gateOpenOp(stream, group)] as const);
  if (result.ok) return "created";
  if (result.error.startsWith("BUSYGROUP")) return "existed";
  throw new RedisReplyError(result.error);
}

/** Opens the gate: an empty stream carrying the group. BUSYGROUP means already open. */
export const gateOpenOp = (stream: string, group: string) => xgroupCreate(gateKey(stream), group, "$", { mkStream: true });

export const isMissingGroup = (error: string): boolean => error.startsWith("NOGROUP");
