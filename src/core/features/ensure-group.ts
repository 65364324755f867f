/**
 * Creates a missing stream and group (`XGROUP CREATE … MKSTREAM`), then opens
 * its backpressure gate (keys.ts `gateKey`) and its pause gate (pause.ts). Another run may create them
 * first; BUSYGROUP is success for us.
 *
 * The gate is opened only once the group exists, in a second request (paid
 * once per group): in one pipeline, a failed create would still have left the
 * group on the gate.
 *
 * A group placed past the stream's last generated id would skip every entry
 * added until the stream caught up, and show a lag of null meanwhile, so an
 * explicit start id beyond it is refused (`StartBeyondStreamError`), as is a
 * SETID beyond it (`checkWithinStream`). The last generated id only grows
 * (short of deleting the stream), so a check that passes stays true.
 */
import { xgroupCreate, xinfoStream } from "../redis/commands.js";
import { RedisReplyError } from "../redis/errors.js";
import { gateKey } from "../redis/keys.js";
import { pipelineSettled } from "../redis/ops.js";
import { isPausedError, pauseGateOpenOp } from "./pause.js";
import { canonicalStreamId, compareStreamIds } from "../redis/stream-id.js";
import type { Transport } from "../redis/transport.js";

export class StartBeyondStreamError extends Error {
  constructor(
    readonly stream: string,
    readonly id: string,
    readonly lastGeneratedId: string,
  ) {
    super(
      `${id} is beyond the last id stream ${JSON.stringify(stream)} has generated (${lastGeneratedId}): a group there would skip every entry up to it. ` +
        `Use "$" for new entries only, "0" for the whole stream, or an id up to ${lastGeneratedId}`,
    );
    this.name = "StartBeyondStreamError";
  }
}

export async function ensureGroup(t: Transport, stream: string, group: string, startId: string): Promise<"created" | "existed"> {
  await checkWithinStream(t, stream, startId);
  const [created] = await pipelineSettled(t, [xgroupCreate(stream, group, startId, { mkStream: true })] as const);
  if (!created.ok && !isBusyGroup(created.error)) throw new RedisReplyError(created.error);
  const [gate, pause] = await pipelineSettled(t, [gateOpenOp(stream, group), pauseGateOpenOp(stream, group)] as const);
  if (!gate.ok && !isBusyGroup(gate.error)) throw new RedisReplyError(gate.error);
  // WRONGTYPE: paused before its first run; the pause holds.
  if (!pause.ok && !isBusyGroup(pause.error) && !isPausedError(pause.error)) throw new RedisReplyError(pause.error);
  return created.ok ? "created" : "existed";
}

/**
 * Throws `StartBeyondStreamError` when `id` is past the stream's last
 * generated id ("$" and "0" never are). A missing stream counts as ending at
 * 0-0 (what MKSTREAM creates), unless `missing` is "skip".
 */
export async function checkWithinStream(t: Transport, stream: string, id: string, missing: "0-0" | "skip" = "0-0"): Promise<void> {
  const wanted = id === "$" ? null : canonicalStreamId(id);
  if (wanted === null || wanted === "0-0") return;
  const [info] = await pipelineSettled(t, [xinfoStream(stream)] as const);
  if (!info.ok && !info.error.startsWith("ERR no such key")) throw new RedisReplyError(info.error);
  if (!info.ok && missing === "skip") return;
  const last = info.ok ? info.value.lastGeneratedId : "0-0";
  if (compareStreamIds(wanted, last) > 0) throw new StartBeyondStreamError(stream, wanted, last);
}

/** Opens the gate: an empty stream carrying the group. BUSYGROUP means already open. */
export const gateOpenOp = (stream: string, group: string) => xgroupCreate(gateKey(stream), group, "$", { mkStream: true });

export const isMissingGroup = (error: string): boolean => error.startsWith("NOGROUP");

export const isBusyGroup = (error: string): boolean => error.startsWith("BUSYGROUP");
