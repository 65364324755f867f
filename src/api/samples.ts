/**
 * Backlog samples for the charts, taken by the API when someone reads a
 * function's series, never by runs: an idle tick stays 1 request and 2
 * commands. A sample is appended at most once a minute per function (when
 * the newest stored one is older), with LPUSH + LTRIM to `SAMPLES_KEPT`, so
 * the list is bounded whatever reads it. Two readers in the same instant
 * may both append; the cap bounds that too, and a chart only draws it twice.
 */
import { lpushOp, ltrimOp } from "../core/redis/list-ops.js";
import { SAMPLES_KEPT, samplesKey } from "../core/redis/keys.js";
import { sendPipeline } from "../core/redis/ops.js";
import type { Transport } from "../core/redis/transport.js";
import type { Sample } from "./series.js";

export const SAMPLE_EVERY_MS = 60_000;

/** Whether a sample taken `now` is due, given the newest stored one. */
export const sampleDue = (newest: Sample | undefined, now: number): boolean => newest === undefined || now - newest.t >= SAMPLE_EVERY_MS;

/** Appends `sample`: one request, two commands. */
export async function appendSample(t: Transport, fn: string, sample: Sample): Promise<void> {
  await sendPipeline(t, [lpushOp(samplesKey(fn), JSON.stringify(sample)), ltrimOp(samplesKey(fn), 0, SAMPLES_KEPT - 1)] as const);
}
