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
 * - within one tick of due: it entered by the first cron tick that ran after
 *   `notBefore` (ticks as the Worker answered them), plus `SLACK_MS` for that
 *   run's own request; or, with no tick known, within one cron interval.
 *   A loaded machine spaces the drill's 1 s ticks out (gaps of several
 *   seconds were seen), which is no fault of promotion. A Worker outage (a
 *   kill until the restarted Worker answered) that overlapped the wait
 *   moves "due" to its end: no run can promote while no Worker runs. Both
 *   are counted apart, and the raw latest is reported too.
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

/** A Worker outage, in unix ms. */
export interface Outage {
  from: number;
  to: number;
}

/** When a run could first promote a message due at `due` that entered at `entered`: after any outage in between. */
function couldPromoteAt(due: number, entered: number, outages: readonly Outage[]): number {
  let at = due;
  for (const o of [...outages].sort((a, b) => a.from - b.from)) if (o.from <= entered && o.to >= at) at = Math.max(at, o.to);
  return at;
}

/** The first tick at or after `at`, when one is known before `entered`; else `at` plus one cron interval. */
function firstTickAfter(at: number, entered: number, ticks: readonly number[], tickMs: number): number {
  const tick = ticks.find((t) => t >= at);
  return tick !== undefined && tick <= entered ? tick : at + tickMs;
}

export function checkDelayed(dueAt: ReadonlyMap<string, number>, stream: readonly Entry[], tickMs: number, outages: readonly Outage[] = [], ticks: readonly number[] = []) {
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
  let latestAfterOutageMs = 0;
  let afterOutage = 0;
  /** Order key → its stream id, for the accounting (the API answered a delayed id). */
  const streamIds = new Map<string, string>();
  for (const [key, due] of dueAt) {
    const found = entriesOf.get(key) ?? [];
    if (found.length === 0) missing.push(key);
    if (found.length > 1) twice.push(key);
    if (found.length === 0) continue;
    streamIds.set(key, found[0]!.id);
    const entered = msOf(found[0]!.id);
    const lateness = entered - due;
    latestMs = Math.max(latestMs, lateness);
    const from = couldPromoteAt(due, entered, outages);
    if (from > due) afterOutage += 1;
    const deadline = firstTickAfter(from, entered, ticks, tickMs) + SLACK_MS;
    latestAfterOutageMs = Math.max(latestAfterOutageMs, entered - from);
    if (lateness < 0) early.push({ key, earlyByMs: -lateness });
    else if (entered > deadline) late.push({ key, lateByMs: entered - from });
  }
  const n = dueAt.size;
  const invariants: Invariant[] = [
    { name: "delayed: each entered its stream exactly once", ok: missing.length === 0 && twice.length === 0, detail: `${n} delayed; ${missing.length} never entered, ${twice.length} entered twice${[...missing, ...twice].length ? `: ${[...missing, ...twice].slice(0, 10).join(", ")}` : ""}` },
    { name: "delayed: none entered before due", ok: early.length === 0, detail: early.length ? JSON.stringify(early.slice(0, 10)) : `0 of ${n}` },
    {
      name: "delayed: each entered by the first tick after due (or after the Worker's restart)",
      ok: late.length === 0,
      detail:
        `latest ${latestAfterOutageMs} ms after it could be promoted (cron every ${tickMs} ms, ${ticks.length} ticks seen, + ${SLACK_MS} ms slack); ` +
        `${afterOutage} waited out a Worker outage; latest raw ${latestMs} ms after due${late.length ? `; late: ${JSON.stringify(late.slice(0, 10))}` : ""}`,
    },
  ];
  return { delayed: n, latestMs, latestAfterOutageMs, afterOutage, invariants, streamIds };
}
