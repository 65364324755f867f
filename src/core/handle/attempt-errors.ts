/**
 * Failed attempts leave a trace an operator can find:
 * - one structured log line each: `console.warn` of one JSON object;
 * - a bounded sample in the run report (`failures`), so a stored report says
 *   what failed, not only how many were retried;
 * - the last error of each message waiting for a retry, in a hash per group
 *   (`attemptErrorsKey`), which the API's pending listing shows. It is
 *   written in the same MULTI/EXEC as the retry's XCLAIM, and its field is
 *   removed in the commit that acknowledges or dead-letters the message
 *   (the dead letter then carries the error).
 * The happy path pays nothing: a batch of first deliveries that succeed adds
 * no command, because a message can only have a recorded error once it has
 * been delivered before.
 */
import type { Delivered as Message } from "../define/define.js";
import type { Outcome } from "./handle-batch.js";
import { attemptErrorsKey } from "../redis/keys.js";
import { op } from "../redis/ops.js";
import type { Command } from "../redis/transport.js";

/** Failures a run report keeps as a sample. */
export const FAILURES_KEPT = 10;
/** Characters of each sampled error in a run report, which is kept 50 times over. */
export const FAILURE_CHARS = 300;
/** Renewed on every write, so the hash of a function that stopped failing goes away. */
export const ATTEMPT_ERRORS_TTL_MS = 7 * 24 * 3_600_000;

/** A message's last failed attempt, as stored and as the API shows it. */
export interface AttemptError {
  attempt: number;
  error: string;
  /** ISO time of the commit that recorded it. */
  at: string;
}

export interface Failure {
  id: string;
  attempt: number;
  error: string;
}

type Failed = Extract<Outcome, { ok: false }>;
/** A failure of the message's own: the budget refusing a fetch is not one. */
const failed = (o: Outcome): o is Failed => !o.ok && !o.notAttempted;

/** Logs each failed attempt, and samples the first `FAILURES_KEPT` into the report. */
export function traceFailures(fn: string, outcomes: readonly Outcome[], report: { failures: Failure[] }): void {
  for (const o of outcomes) {
    if (!failed(o)) continue;
    const { id, stream, group, attempt } = o.message;
    console.warn(JSON.stringify({ event: "cronsumer.attempt_failed", function: fn, stream, group, id, attempt, permanent: o.permanent, error: o.error }));
    if (report.failures.length < FAILURES_KEPT) report.failures.push({ id, attempt, error: o.error.slice(0, FAILURE_CHARS) });
  }
}

export interface AttemptErrorsInput {
  stream: string;
  group: string;
  outcomes: readonly Outcome[];
  /** Failures this commit schedules for a retry: their errors are recorded. */
  retrying: readonly Outcome[];
  expired: readonly { message: Message; deliveries: number }[];
  trimmed: readonly { id: string }[];
  now: number;
}

/** The commit's bookkeeping of last errors: HSET + PEXPIRE for retries, HDEL for settled messages delivered before. Not for `noAck`, which retries nothing (commit.ts). */
export function attemptErrorCommands(c: AttemptErrorsInput): Command[] {
  const key = attemptErrorsKey(c.stream, c.group);
  // Most commits retry nothing: no set and no date formatted for them (this runs for every commit).
  const retrying = c.retrying.length > 0 ? new Set(c.retrying.map((o) => o.message.id)) : undefined;
  const record: string[] = [];
  if (retrying) {
    const at = new Date(c.now).toISOString();
    for (const o of c.retrying) {
      if (!o.ok) record.push(o.message.id, JSON.stringify({ attempt: o.message.attempt, error: o.error, at } satisfies AttemptError));
    }
  }
  // One loop, first deliveries skipped first: this runs per message of every commit, and most are first deliveries.
  // A lost message (visibility.ts) is another run's to settle, its recorded error too.
  const settled: string[] = [];
  for (const o of c.outcomes) if (o.message.attempt > 1 && (o.ok || (failed(o) && !o.lost)) && !retrying?.has(o.message.id)) settled.push(o.message.id);
  for (const e of c.expired) if (e.deliveries > 1) settled.push(e.message.id);
  for (const { id } of c.trimmed) settled.push(id);
  const commands: Command[] = [];
  if (settled.length > 0) commands.push(["HDEL", key, ...settled]);
  if (record.length > 0) commands.push(["HSET", key, ...record], ["PEXPIRE", key, ATTEMPT_ERRORS_TTL_MS]);
  return commands;
}

/** Reads a stored value; anything unreadable is shown as no error rather than failing the listing. */
export function parseAttemptError(raw: unknown): AttemptError | null {
  if (typeof raw !== "string") return null;
  try {
    const v = JSON.parse(raw) as Partial<AttemptError>;
    if (typeof v.attempt === "number" && typeof v.error === "string" && typeof v.at === "string") return { attempt: v.attempt, error: v.error, at: v.at };
  } catch {
    // Not ours: fall through.
  }
  return null;
}

/** The last errors of these pending ids, in order; null where none is recorded. @see https://redis.io/commands/hmget */
export const lastErrorsOp = (stream: string, group: string, ids: readonly string[]) =>
  op(["HMGET", attemptErrorsKey(stream, group), ...ids], (r) => (Array.isArray(r) ? r.map(parseAttemptError) : ids.map(() => null)));
