/**
 * Pausing a function, at no cost to its ticks. Every read of a run names the
 * function's pause gate (keys.ts `pauseKey`) beside its stream:
 * `XREADGROUP … STREAMS <stream> <pause gate> [<backpressure gate>] > > >`.
 *
 * - Running: the gate is an empty stream carrying the group; the read works
 *   as usual and finds nothing in it.
 * - Paused: the gate is a string holding the pause time. The read fails with
 *   WRONGTYPE before reading anything, so a paused tick is the idle tick's
 *   one request and two commands, claims nothing and charges no delivery.
 *   WRONGTYPE is a type check, not an error text, so this does not depend on
 *   how a server words its errors.
 * - Never opened (a group made before this existed, or by hand): the read
 *   fails with NOGROUP. The run then opens the gate with
 *   `XGROUP CREATE … MKSTREAM`, whose own answer tells the three cases
 *   apart whatever the NOGROUP text says: created (it was unopened: read
 *   again), BUSYGROUP (the gate is open, so the NOGROUP was the backpressure
 *   gate's), WRONGTYPE (paused meanwhile).
 *
 * Pause is one `SET` (it replaces a stream of any content: the gate holds
 * none); resume is one MULTI of `DEL` and the `XGROUP CREATE`, so no run
 * ever sees the gate missing because of a resume. Nothing pending is touched.
 */
import { xgroupCreate } from "../redis/commands.js";
import { RedisReplyError } from "../redis/errors.js";
import { pauseKey } from "../redis/keys.js";
import { op } from "../redis/ops.js";

/** Opens the pause gate: an empty stream carrying the group. */
export const pauseGateOpenOp = (stream: string, group: string) => xgroupCreate(pauseKey(stream, group), group, "$", { mkStream: true });

/** `SET <gate> <unix ms>`: every later read of the function fails with WRONGTYPE. */
export const pauseOp = (stream: string, group: string, at: number) => op(["SET", pauseKey(stream, group), String(at)], (r) => r === "OK");

/** Resume, as one MULTI: the gate back to an empty stream carrying the group. */
export const resumeOps = (stream: string, group: string) => [op(["DEL", pauseKey(stream, group)], (r) => r), pauseGateOpenOp(stream, group)] as const;

/** A read that failed this way met a paused function's gate. */
export const isPausedError = (error: string): boolean => error.startsWith("WRONGTYPE");

export interface PauseState {
  paused: boolean;
  /** Unix ms, when paused. */
  pausedAt?: number;
}

/**
 * `GET <gate>` read as a pause state: a string is the pause time; nil (never
 * opened) and WRONGTYPE (the gate stream) mean running.
 */
export const pauseStateOp = (stream: string, group: string) =>
  op(["GET", pauseKey(stream, group)], (r): PauseState => {
    if (r === null) return { paused: false };
    const at = Number(r);
    return Number.isFinite(at) ? { paused: true, pausedAt: at } : { paused: true };
  });

/** The answer of `GET <gate>`, settled: an error means the gate is a stream (running). */
export function readPauseState(settled: { ok: true; value: PauseState } | { ok: false; error: string }): PauseState {
  if (settled.ok) return settled.value;
  if (isPausedError(settled.error)) return { paused: false };
  throw new RedisReplyError(settled.error);
}
