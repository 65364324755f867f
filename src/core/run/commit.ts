/**
 * Builds the commit of one batch: every command that settles its messages,
 * sent as one MULTI/EXEC (see run.ts). For each message:
 * - success: the handler's effects, then XACK;
 * - failure with deliveries left: XCLAIM … IDLE … JUSTID, which schedules the
 *   retry after the backoff delay (see backoff.ts) without counting a delivery;
 *   with `delays`, a delay longer than the visibility timeout (which no idle
 *   time can express) parks the message in the delayed set instead, with its
 *   delivery count, in this same MULTI/EXEC as its XACK, due that long after
 *   the Redis clock's now (delayed.ts);
 * - failure that is permanent or out of deliveries, or a reclaimed message
 *   already at `maxDeliveries`: XADD to the dead-letter stream, then XACK;
 * - no attempt made (the run's subrequest budget refused the handler's
 *   fetch): put back at once with its delivery count restored;
 * - lost (another run holds it now: handle/visibility.ts): nothing at all,
 *   so only the run that holds it settles it.
 * One message's commands must fit one request (`maxRequestBytes`): effects
 * too large for it fail their message for good, and a dead letter too large
 * to copy refers to its source entry instead (see dead-letter.ts).
 * `split-commit.ts` splits a batch's commit when it is larger than a request.
 * With NOACK nothing is pending, so successes need no XACK and failures are
 * dead-lettered at once.
 *
 * Each retry's error is recorded, and cleared once its message is settled
 * (attempt-errors.ts).
 *
 * Redis does not roll back a transaction when one command fails at run time,
 * so `checks` says what each command must achieve; run.ts verifies the
 * replies, and rescues a message whose dead-letter XADD failed after its XACK.
 */
import { attemptErrorCommands } from "../handle/attempt-errors.js";
import { idleForDelay, retryDelayMs } from "../define/backoff.js";
import { xack, xadd, xclaimJustId } from "../redis/commands.js";
import { deadLetterFields, deadLetterReferenceFields } from "../dead-letters/dead-letter.js";
import { delayCommand, retryId } from "../features/delayed.js";
import { REENTRY_FIELDS, reentryFields } from "../features/reentry.js";
import { holdRefOp } from "../dead-letters/dead-letter-refs.js";
import type { Delivered as Message } from "../define/define.js";
import type { EntryRef, Expired, Released } from "../handle/fetched.js";
import type { Outcome } from "../handle/handle-batch.js";
import type { FunctionOptions } from "../define/options.js";
import type { ReplayOf } from "../dead-letters/replay-target.js";
import { settleCommands } from "../dead-letters/replay-target.js";
import { commandsBytes, messageBytes } from "../redis/request-bytes.js";
import { MAX_SCRIPT_FIELDS } from "../redis/script.js";
import type { Command } from "../redis/transport.js";

export type { Expired } from "../handle/fetched.js";

export interface CommitInput {
  fn: string;
  stream: string;
  group: string;
  consumer: string;
  options: FunctionOptions;
  outcomes: readonly Outcome[];
  /** Reclaimed messages already at `maxDeliveries`: never handed to a handler again. */
  expired: readonly Expired[];
  /** Pending ids whose entries were trimmed (the Redis 6.2 shape): acknowledged, never handled. */
  trimmed: readonly EntryRef[];
  /** Reclaimed messages put back without an attempt. */
  released: readonly Released[];
  /** Entries replayed to another group: acknowledged, never handled (see replay-target.ts). */
  skipped?: readonly EntryRef[];
  /** Dead letters whose replayed entry was fetched: deleted from the dead-letter stream, with their replay locks. */
  replayOf?: readonly ReplayOf[];
  now: number;
}

/** What one command of the commit must achieve. */
export type Check =
  | { kind: "effect" }
  | { kind: "xack"; ids: number }
  | { kind: "dead-letter"; message: Message }
  /** A long retry parked in the delayed set (ZADD, HSET): acknowledged in the same commit. */
  | { kind: "park"; message: Message }
  /** Holds the source entry a dead-letter reference points at (dead-letter-refs.ts). */
  | { kind: "hold" }
  | { kind: "schedule"; ids: readonly string[] }
  | { kind: "replay-settle" }
  | { kind: "trace" };

export interface Commit {
  commands: Command[];
  checks: Check[];
  acked: number;
  retried: number;
  deadLettered: number;
  skipped: number;
}

export function buildCommit(c: CommitInput): Commit {
  const o = c.options;
  const commit: Commit = { commands: [], checks: [], acked: 0, retried: 0, deadLettered: 0, skipped: c.skipped?.length ?? 0 };
  const push = (command: Command, check: Check) => {
    commit.commands.push(command);
    commit.checks.push(check);
  };
  // Every entry is settled in its own stream (a lane's, lanes.ts): one XACK per stream, in first-seen order.
  const acks = new Map<string, string[]>();
  // The last stream's list is kept at hand: one stream is the rule, and this runs per message.
  let lastStream: string | undefined;
  let lastIds: string[] = [];
  const ackIn = (stream: string, id: string) => {
    if (stream !== lastStream) {
      lastStream = stream;
      lastIds = acks.get(stream) ?? [];
      if (lastIds.length === 0) acks.set(stream, lastIds);
    }
    lastIds.push(id);
  };
  for (const r of [...c.trimmed, ...(o.noAck ? [] : (c.skipped ?? []))]) ackIn(r.stream, r.id);
  const retrying: Outcome[] = [];
  // Grouped by (stream, idle, retry count): one XCLAIM each.
  const schedule = new Map<string, { stream: string; idleMs: number; retryCount?: number; ids: string[] }>();
  const later = (stream: string, id: string, idleMs: number, retryCount?: number) => {
    const key = `${idleMs}/${retryCount ?? ""}/${stream}`;
    const entry = schedule.get(key) ?? { stream, idleMs, ...(retryCount === undefined ? {} : { retryCount }), ids: [] };
    entry.ids.push(id);
    schedule.set(key, entry);
  };

  const limit = messageBytes(o.maxRequestBytes);
  const deadLetter = (message: Message, deliveries: number, error: string) => {
    const metadata = { originalId: message.id, stream: message.stream, group: message.group, function: c.fn, deliveries, error, failedAt: new Date(c.now).toISOString() };
    const copy = xadd(o.deadLetterStream, deadLetterFields({ ...metadata, fields: message.fields })).command;
    const bytes = commandsBytes([copy]);
    if (bytes <= limit) push(copy, { kind: "dead-letter", message });
    else {
      push(xadd(o.deadLetterStream, deadLetterReferenceFields(metadata, bytes)).command, { kind: "dead-letter", message });
      push(holdRefOp(message.stream, message.id, message.group).command, { kind: "hold" });
    }
    if (!o.noAck) ackIn(message.stream, message.id);
    commit.deadLettered += 1;
  };

  // Parked with its delivery count; one the promotion script could not unpack waits the longest an idle time can say.
  const park = (message: Message, delayMs: number) => {
    // Promotion adds it to the stream as a new entry, which every group would read: it names its own (reentry.ts).
    const fields = reentryFields(message);
    // Due on the Redis clock, which promotion reads too (delayed.ts `Due`).
    push(delayCommand(message.stream, { inMs: delayMs }, [{ id: retryId(message.id, message.group), fields }]), { kind: "park", message });
    ackIn(message.stream, message.id);
    commit.retried += 1;
  };

  // Read once, not per message: options differ in shape between functions, and a property read that has seen many shapes is slow.
  const { noAck } = o;
  for (const outcome of c.outcomes) {
    const { message } = outcome;
    if (!outcome.ok && outcome.lost) continue;
    const effectsBytes = outcome.ok && outcome.effects.length > 0 ? commandsBytes(outcome.effects) : 0;
    if (outcome.ok && effectsBytes > limit) {
      deadLetter(message, message.attempt, effectsTooLarge(effectsBytes, limit));
    } else if (outcome.ok) {
      for (const effect of outcome.effects) push(effect, { kind: "effect" });
      if (!noAck) ackIn(message.stream, message.id);
      commit.acked += 1;
    } else if (outcome.notAttempted && !noAck) {
      // Ordered consumption parks a held message until its key's head is due (ordered/handle-ordered.ts).
      later(message.stream, message.id, outcome.delayMs === undefined ? o.visibilityTimeoutMs : idleForDelay(o.visibilityTimeoutMs, outcome.delayMs), message.attempt - 1 - (message.priorDeliveries ?? 0));
    } else if (outcome.permanent || noAck || message.attempt >= o.maxDeliveries) {
      deadLetter(message, message.attempt, outcome.error);
    } else {
      const delayMs = outcome.delayMs ?? retryDelayMs(o.backoff, message.attempt);
      if (parks(o, message, delayMs)) park(message, delayMs);
      else {
        later(message.stream, message.id, idleForDelay(o.visibilityTimeoutMs, delayMs));
        retrying.push(outcome);
        commit.retried += 1;
      }
    }
  }
  for (const { message, deliveries } of c.expired) {
    // Redis counts every claim, also recovery's claims of entries already at the limit whose dead-letter
    // commit was then lost; those were never handed to a handler, so the dead letter says maxDeliveries.
    const extra = deliveries > o.maxDeliveries ? `; claimed ${deliveries - o.maxDeliveries} more time(s) by runs whose dead-letter commit was lost` : "";
    const counted = Math.min(deliveries, o.maxDeliveries);
    deadLetter(message, counted, `delivery ${counted} of ${o.maxDeliveries} never completed (the handler crashed, or overran the visibility timeout)${extra}`);
  }
  for (const r of c.released) later(r.stream ?? c.stream, r.id, idleForDelay(o.visibilityTimeoutMs, r.delayMs ?? 0), r.retryCount);
  for (const command of settleCommands(o.deadLetterStream, c.replayOf ?? [])) push(command, { kind: "replay-settle" });

  for (const [stream, ids] of acks) push(xack(stream, c.group, ids).command, { kind: "xack", ids: ids.length });
  for (const { stream, idleMs, retryCount, ids } of schedule.values()) {
    const opts = retryCount === undefined ? { idleMs } : { idleMs, retryCount };
    push(xclaimJustId(stream, c.group, c.consumer, 0, ids, opts).command, { kind: "schedule", ids });
  }
  for (const command of traceCommands(c, retrying)) push(command, { kind: "trace" });
  return commit;
}

/** Last errors are kept per stream (the pending listing of a lane reads its own); one stream is the common case. */
function traceCommands(c: CommitInput, retrying: readonly Outcome[]): Command[] {
  if (c.options.noAck) return []; // Nothing is pending, nothing is retried.
  const streams = new Set<string>();
  // Compared with the last one seen, not added to the set, while it is the same: this runs per message, and one stream is the rule.
  let last: string | undefined;
  for (const x of c.outcomes) if (x.message.stream !== last) streams.add((last = x.message.stream));
  for (const x of c.expired) streams.add(x.message.stream);
  for (const x of c.trimmed) streams.add(x.stream);
  if (streams.size <= 1) return attemptErrorCommands({ ...c, stream: streams.values().next().value ?? c.stream, retrying });
  const of = <T>(xs: readonly T[], stream: string, at: (x: T) => string) => xs.filter((x) => at(x) === stream);
  return [...streams].flatMap((stream) =>
    attemptErrorCommands({
      ...c,
      stream,
      outcomes: of(c.outcomes, stream, (x) => x.message.stream),
      retrying: of(retrying, stream, (x) => x.message.stream),
      expired: of(c.expired, stream, (x) => x.message.stream),
      trimmed: of(c.trimmed, stream, (x) => x.stream),
    }),
  );
}

/** Deterministic: the same handler would write as much again, so the message is dead-lettered at once. */
export const effectsTooLarge = (bytes: number, limit: number): string =>
  `EffectsTooLargeError: the handler's effects take ${bytes} bytes; one commit request carries at most ${limit} (maxRequestBytes), so none were written`;

/** A retry longer than an idle time can say leaves the PEL for the delayed set (`delays`), acknowledged. */
const parks = (o: FunctionOptions, message: Message, delayMs: number): boolean =>
  // An ordered retry waits pending, holding its key: acknowledged into the delayed set, later messages of its key would pass it.
  o.delays && !o.noAck && !o.ordered && delayMs > o.visibilityTimeoutMs && Object.keys(message.fields).length + REENTRY_FIELDS <= MAX_SCRIPT_FIELDS;

/**
 * The delay of a failure the commit retries in place: left in the PEL and
 * reclaimed once idle enough. Undefined for anything else (acked,
 * dead-lettered, put back unattempted, or parked in the delayed set), so a
 * run waiting for its retries (run-session.ts) never waits for one of those.
 */
export function retryInPlaceMs(outcome: Outcome, o: FunctionOptions): number | undefined {
  if (outcome.ok || outcome.notAttempted || outcome.lost || outcome.permanent || o.noAck || outcome.message.attempt >= o.maxDeliveries) return undefined;
  const delayMs = outcome.delayMs ?? retryDelayMs(o.backoff, outcome.message.attempt);
  return parks(o, outcome.message, delayMs) ? undefined : Math.min(delayMs, o.visibilityTimeoutMs);
}
