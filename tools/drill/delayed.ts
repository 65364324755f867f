/**
 * The drill's delayed share (`--delayed R`): a seeded share of enqueue
 * batches is sent with `?notBefore=` 1 to 30 s ahead (fixed when the batch is
 * first tried, so a repeat under the same Idempotency-Key asks for the same
 * time). After the drain each delayed order is checked, from Redis alone:
 * - exactly once: one stream entry (promotion moved it once), and the usual
 *   accounting then finds it charged or dead-lettered once;
 * - never before due: its stream entry's id time (when promotion XADDed it,
 *   by the Redis clock on this same machine) is at or after `notBefore`, and
 *   no handler can see an entry before it exists;
 * - within one tick of due: that time is at most one cron interval, plus
 *   `SLACK_MS` for the run's own request, after `notBefore`. Runs that failed
 *   under faults can make it later; the result lists the latest.
 */
import type { Invariant } from "./accounting.js";
import type { Entry } from "./reader.js";
import { keyOf } from "./workload.js";

/** Delays drawn for a delayed batch. */
export const DELAY_RANGE_MS = { min: 1_000, max: 30_000 } as const;
/** A run's first request takes a few ms; scheduling on a shared machine, a few hundred. */
export const SLACK_MS = 1_000;

export const drawDelayMs = (random: () => number): number => DELAY_RANGE_MS.min + Math.floor(random() * (DELAY_RANGE_MS.max - DELAY_RANGE_MS.min + 1));

const msOf = (id: string): number => Number(id.slice(0, id.indexOf("-")));

export function checkDelayed(dueAt: ReadonlyMap<string, number>, stream: readonly Entry[], tickMs: number) {
  const entriesOf = new Map<string, Entry[]>();
  for (const e of stream) {
    const key = keyOf(e.fields);
    if (key !== undefined && dueAt.has(key)) entriesOf.set(key, [...(entriesOf.get(key) ?? []), e]);
  }
  const missing: string[] = [];
  const twice: string[] = [];
  const early: { key: string; earlyByMs: number }[] = [];
  const late: { key: string; lateByMs: number }[] = [];
  let latestMs = 0;
  /** Order key → its stream id, for the accounting (the API answered a delayed id). */
  const streamIds = new Map<string, string>();
  for (const [key, due] of dueAt) {
    const found = entriesOf.get(key) ?? [];
    if (found.length === 0) missing.push(key);
    if (found.length > 1) twice.push(key);
    if (found.length === 0) continue;
    streamIds.set(key, found[0]!.id);
    const lateness = msOf(found[0]!.id) - due;
    latestMs = Math.max(latestMs, lateness);
    if (lateness < 0) early.push({ key, earlyByMs: -lateness });
    else if (lateness > tickMs + SLACK_MS) late.push({ key, lateByMs: lateness });
  }
  const n = dueAt.size;
  const invariants: Invariant[] = [
    { name: "delayed: each entered its stream exactly once", ok: missing.length === 0 && twice.length === 0, detail: `${n} delayed; ${missing.length} never entered, ${twice.length} entered twice${[...missing, ...twice].length ? `: ${[...missing, ...twice].slice(0, 10).join(", ")}` : ""}` },
    { name: "delayed: none entered before due", ok: early.length === 0, detail: early.length ? JSON.stringify(early.slice(0, 10)) : `0 of ${n}` },
    { name: "delayed: each entered within one tick of due", ok: late.length === 0, detail: `latest ${latestMs} ms after due (tick ${tickMs} ms + ${SLACK_MS} ms slack)${late.length ? `; late: ${JSON.stringify(late.slice(0, 10))}` : ""}` },
  ];
  return { delayed: n, latestMs, invariants, streamIds };
}
