/**
 * Creates a missing stream and group (`XGROUP CREATE … MKSTREAM`). Another
 * run may create it first; its BUSYGROUP is success for us.
 */
import { xgroupCreate } from "./commands.js";
import { RedisReplyError } from "./errors.js";
import { pipelineSettled } from "./ops.js";
import type { Transport } from "./transport.js";

export async function ensureGroup(t: Transport, stream: string, group: string, startId: string): Promise<"created" | "existed"> {
  const [result] = await pipelineSettled(t, [xgroupCreate(stream, group, startId, { mkStream: true })] as const);
  if (result.ok) return "created";
  if (result.error.startsWith("BUSYGROUP")) return "existed";
  throw new RedisReplyError(result.error);
}

export const isMissingGroup = (error: string): boolean => error.startsWith("NOGROUP");
