/** Every key cronsumer itself writes, named in one place. */

/** Run reports of one function: a list, newest first, bounded by `REPORTS_KEPT`. */
export const reportsKey = (fn: string): string => `cronsumer:runs:${fn}`;
export const REPORTS_KEPT = 50;

/**
 * Backlog samples of one function for the dashboard's charts: a list, newest
 * first, bounded by `SAMPLES_KEPT` (a day at one a minute). Taken by runs
 * that store a report, in the same request (features/backlog-sample.ts): idle ticks and
 * GET routes write none.
 */
export const samplesKey = (fn: string): string => `cronsumer:samples:${fn}`;
export const SAMPLES_KEPT = 1440;

/** The function whose run reports or backlog samples `key` holds, if it is one of those: how routing finds a member's database. */
export function functionOfKey(key: string): string | undefined {
  for (const prefix of [reportsKey(""), samplesKey("")]) if (key.startsWith(prefix)) return key.slice(prefix.length);
  return undefined;
}

/** Consumer names come from a bounded pool, so runs never leak consumers. */
export const consumerName = (fn: string, slot: number): string => `${fn}-${slot}`;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const IDEMPOTENCY_PREFIX = "cronsumer:idem:";
const REPLAY_LOCK_PREFIX = "cronsumer:replay:";

/**
 * Enqueue idempotency: the ids first written under a producer's key. The
 * stream's length in UTF-8 bytes comes first, so the split between stream and
 * key is never ambiguous, whatever colons either holds: stream `orders` with
 * key `eu:1` is `cronsumer:idem:6:orders:eu:1`, and stream `orders:eu` with
 * key `1` is `cronsumer:idem:9:orders:eu:1`.
 */
export const idempotencyKey = (stream: string, key: string): string => `${IDEMPOTENCY_PREFIX}${utf8.encode(stream).length}:${stream}:${key}`;

/** Dead-letter replay: held while one request moves an entry back, so two replays never write it twice. */
export const replayLockKey = (deadLetterStream: string, id: string): string => `${REPLAY_LOCK_PREFIX}${deadLetterStream}:${id}`;

const IDEMPOTENCY = new RegExp(`^${IDEMPOTENCY_PREFIX}(\\d+):`);

/**
 * The part of a key that names its stream, where only cronsumer's own text
 * can be: the whole key when it starts with the stream (every key derived with
 * `besideStream` from a hash-tagged stream starts with `{`); the stream of an
 * idempotency key, cut by its byte length so the caller's key is never read;
 * and the dead-letter stream of a replay lock. How routing finds a key's
 * partition (partitions.ts `parsePartitionKey`).
 */
export function streamOfKey(key: string): string | undefined {
  if (key.startsWith("{")) return key;
  if (key.startsWith(REPLAY_LOCK_PREFIX)) return key.slice(REPLAY_LOCK_PREFIX.length);
  const idem = IDEMPOTENCY.exec(key);
  if (!idem) return undefined;
  const bytes = utf8.encode(key.slice(idem[0].length));
  return utf8Decoder.decode(bytes.subarray(0, Number(idem[1])));
}

/**
 * A key in the stream's cluster slot, so it can share the stream's
 * MULTI/EXEC or script: a stream already hash-tagged (a partition) keeps its
 * tag, any other is made one.
 */
const besideStream = (stream: string, suffix: string): string => (stream.includes("{") ? `${stream}:${suffix}` : `{${stream}}:${suffix}`);

/**
 * The backpressure gate: an empty stream carrying the function's group. The
 * first read of a run names it beside the real stream, so the read works
 * while the gate exists and fails with NOGROUP once it is deleted. Reads
 * stop, at no extra command, while the group has too much pending. The hash
 * tag keeps it in the stream's cluster slot.
 */
export const gateKey = (stream: string): string => besideStream(stream, "cronsumer-gate");

/**
 * The last error of each message of a group that failed and waits for a
 * retry: a hash, field = message id, value = JSON `{attempt, error, at}`.
 * Written with the retry, cleared when the message is acknowledged or
 * dead-lettered (see attempt-errors.ts). Hash-tagged like the gate, so it
 * sits in the stream's cluster slot and can share the stream's MULTI/EXEC.
 */
export const attemptErrorsKey = (stream: string, group: string): string => besideStream(stream, `cronsumer-errors:${group}`);

/**
 * Marks one message put back on its stream after a failed park or
 * dead-letter move (features/reentry.ts): the put-back writes it with `SET NX`
 * in the script that XADDs, so sending it again after a lost answer adds
 * nothing twice. Expires after a week. Same cluster slot as the stream.
 */
export const rescuedKey = (stream: string, group: string, id: string): string => besideStream(stream, `cronsumer-rescued:${group}:${id}`);

/**
 * Source entries that dead letters refer to instead of copying (see
 * dead-letter.ts): a sorted set of ids scored by their time part. Retention
 * never trims at or above the oldest one. Same cluster slot as the stream.
 */
export const deadLetterRefsKey = (stream: string): string => besideStream(stream, "cronsumer-dlq-refs");

/**
 * The wake lease of a stream (src/functions/wake-lease.ts): a counter of the
 * messages enqueued in a short window, by which enqueues decide which of them
 * start a session. Same cluster slot as the stream.
 */
export const wakeLeaseKey = (stream: string): string => besideStream(stream, "cronsumer-wake");
/**
 * The pause gate of one function (stream and group): an empty stream carrying
 * the group while the function runs, a string holding the pause time (unix
 * ms) while it is paused. Every read of a run names it, so a paused
 * function's read fails with WRONGTYPE and reads nothing (see pause.ts).
 */
export const pauseKey = (stream: string, group: string): string => besideStream(stream, `cronsumer-pause:${group}`);

/**
 * Delayed messages of a stream (see delayed.ts): a sorted set of delayed ids
 * scored by when each is due (unix ms), beside a hash of their payloads
 * (field = delayed id). Same cluster slot as the stream, so promotion moves a
 * message from both into the stream in one script, and a commit parks a long
 * retry in both in the MULTI/EXEC that acknowledges it.
 */
export const delayedKey = (stream: string): string => besideStream(stream, "cronsumer-delayed");
export const delayedPayloadsKey = (stream: string): string => besideStream(stream, "cronsumer-delayed-payloads");

/** Ordered consumption: held by the one run consuming the stream for the group (a token, with an expiry). */
export const orderedLeaseKey = (stream: string, group: string): string => besideStream(stream, `cronsumer-lease:${group}`);

/**
 * Ordered consumption: per message key, the pending ids of that key that hold
 * back later ones, oldest first, and when the oldest is next due: a hash,
 * field = message key, value = `<dueAt ms> <id> <id> …` (see ordered/held.ts).
 */
export const orderedHeldKey = (stream: string, group: string): string => besideStream(stream, `cronsumer-held:${group}`);
