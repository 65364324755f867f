/**
 * `Idempotency-Key` on enqueue: a repeat of the same key (per stream) within
 * 24 h writes nothing and answers the original ids, also under concurrency
 * and after a lost response. Without Lua (the embedded engine has none) and
 * without WATCH (Upstash REST has none):
 *
 * 1. `SET <key> pending:<owner>:<hash> NX EX 30`, pipelined with the id the
 *    stream ends at now. Only the request that sets it may write.
 * 2. One MULTI: the XADDs, and `SET <key> {"state":"committed",…} EX 86400`.
 *    XADD's ids exist only once EXEC answers, and nothing but a script could
 *    copy them into a key inside the transaction, so the record written with
 *    the messages says that they were written, how many, and where: the first
 *    run of that many entries after where the stream ended in step 1 whose
 *    fields equal the request's (a transaction is never interleaved).
 * 3. `SET <key> {"state":"done","ids":[…]} EX 86400`, so a repeat costs one GET.
 *
 * A repeat reads the record: "done" answers its ids; "pending" answers 409
 * with Retry-After; "committed" (step 3 was lost) finds the ids in the stream.
 * A lost step 2 leaves the messages and the record, or neither; then the
 * pending marker expires within 30 s and a repeat writes once. A different
 * body under the same key answers 422, like Stripe.
 */
import { xrange, xrevrange } from "../core/commands.js";
import { RedisReplyError, TransportError } from "../core/errors.js";
import { idempotencyKey } from "../core/keys.js";
import { delOp, getOp, pttlOp, setNxOp, setOp } from "../core/key-ops.js";
import { sendPipeline, transactionSettled } from "../core/ops.js";
import type { Fields, StreamEntry } from "../core/parse-replies.js";
import { nextStreamId } from "../core/stream-id.js";
import type { Transport } from "../core/transport.js";
import type { EnqueueRequest } from "./enqueue.js";
import { idsOf, xaddOps } from "./enqueue.js";
import { ApiError } from "./errors.js";

export const PENDING_TTL_S = 30;
export const RECORD_TTL_S = 86_400;
/** Past this since step 1, step 2 is not sent: the pending marker could expire before it lands. */
const SAFE_WRITE_MS = 20_000;
/** Step-3 recovery scans at most this many entries past where the stream ended. */
const SEARCH_PAGE = 500;
const SEARCH_PAGES = 4;

/** 1 to 200 printable ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

type IdemRecord =
  | { state: "pending"; hash: string }
  | { state: "committed"; hash: string; after: string; count: number }
  | { state: "done"; hash: string; ids: string[] };

export interface Enqueued {
  /** False when a repeat was answered from the record and nothing was written. */
  created: boolean;
  ids: string[];
}

export async function enqueueOnce(t: Transport, request: EnqueueRequest, key: string, now: () => number = Date.now): Promise<Enqueued> {
  const hash = await requestHash(request);
  const redisKey = idempotencyKey(request.stream, key);
  const owner = crypto.randomUUID();
  // Two tries: the record may expire between a refused SET NX and the GET.
  for (let attempt = 0; attempt < 2; attempt++) {
    const startedAt = now();
    const [taken, tail] = await sendPipeline(t, [setNxOp(redisKey, `pending:${owner}:${hash}`, PENDING_TTL_S), xrevrange(request.stream, "+", "-", 1)] as const);
    if (taken) return { created: true, ids: await write(t, request, redisKey, hash, tail[0]?.id ?? "0-0", now() - startedAt) };

    const [value, ttlMs] = await sendPipeline(t, [getOp(redisKey), pttlOp(redisKey)] as const);
    if (value === null) continue;
    const record = parseRecord(value);
    if (record.hash !== hash) {
      throw new ApiError(422, "idempotency_key_reused", `Idempotency-Key ${JSON.stringify(key)} was used for a different request body on this stream within 24 h`);
    }
    if (record.state === "done") return { created: false, ids: record.ids };
    if (record.state === "pending") throw inProgress(key, ttlMs);
    const ids = await recover(t, request, record);
    if (ids === null) {
      throw new ApiError(
        409,
        "idempotency_ids_unavailable",
        `the request under Idempotency-Key ${JSON.stringify(key)} was written once (and is not written again), but its ids could not be found: the entries were trimmed or deleted`,
      );
    }
    await storeDone(t, redisKey, hash, ids);
    return { created: false, ids };
  }
  throw inProgress(key, 1_000);
}

async function write(t: Transport, request: EnqueueRequest, redisKey: string, hash: string, after: string, elapsedMs: number): Promise<string[]> {
  if (elapsedMs > SAFE_WRITE_MS) {
    throw new ApiError(503, "redis_slow", `Redis took ${elapsedMs} ms to answer; nothing was written. Repeat with the same Idempotency-Key after ${PENDING_TTL_S} s`);
  }
  const committed: IdemRecord = { state: "committed", hash, after, count: request.messages.length };
  let results;
  try {
    results = await transactionSettled(t, [...xaddOps(request), setOp(redisKey, JSON.stringify(committed), RECORD_TTL_S)]);
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    throw new ApiError(
      503,
      "redis_unavailable",
      `${error.message}. The write may or may not have happened: repeat with the same Idempotency-Key; it answers the ids if it did, and writes once if it did not (after up to ${PENDING_TTL_S} s)`,
      {},
      { cause: error },
    );
  }
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) {
    // A run-time error (WRONGTYPE) fails every XADD alike: drop the record that claims they happened.
    await sendPipeline(t, [delOp([redisKey])]).catch(() => undefined);
    throw new RedisReplyError(failed.error);
  }
  const ids = idsOf(results.slice(0, -1).map((r) => (r as { value: string | null }).value));
  // Best effort: without it a repeat finds the ids in the stream.
  await storeDone(t, redisKey, hash, ids).catch(() => undefined);
  return ids;
}

const storeDone = (t: Transport, redisKey: string, hash: string, ids: string[]) =>
  sendPipeline(t, [setOp(redisKey, JSON.stringify({ state: "done", hash, ids } satisfies IdemRecord), RECORD_TTL_S)]);

async function recover(t: Transport, request: EnqueueRequest, record: Extract<IdemRecord, { state: "committed" }>): Promise<string[] | null> {
  const { count } = record;
  let start = nextStreamId(record.after);
  let window: StreamEntry[] = [];
  for (let page = 0; page < SEARCH_PAGES; page++) {
    const [entries] = await sendPipeline(t, [xrange(request.stream, start, "+", SEARCH_PAGE)] as const);
    window.push(...entries);
    const at = findRun(window, request.messages);
    if (at >= 0) return window.slice(at, at + count).map((e) => e.id);
    if (entries.length < SEARCH_PAGE) return null;
    start = nextStreamId(entries[entries.length - 1]!.id);
    // Keep what could be the start of a run that continues on the next page.
    window = count > 1 ? window.slice(-(count - 1)) : [];
  }
  return null;
}

function findRun(entries: readonly StreamEntry[], messages: readonly Fields[]): number {
  for (let i = 0; i + messages.length <= entries.length; i++) {
    if (messages.every((m, j) => sameFields(entries[i + j]!.fields, m))) return i;
  }
  return -1;
}

function sameFields(a: Fields | null, b: Fields): boolean {
  if (a === null) return false;
  const x = Object.entries(a);
  const y = Object.entries(b);
  return x.length === y.length && x.every(([k, v], i) => y[i]![0] === k && y[i]![1] === v);
}

function parseRecord(value: string): IdemRecord {
  if (value.startsWith("pending:")) return { state: "pending", hash: value.slice(value.lastIndexOf(":") + 1) };
  try {
    const parsed = JSON.parse(value) as IdemRecord;
    if (parsed.state === "committed" || parsed.state === "done") return parsed;
  } catch {
    // Falls through: not written by this module.
  }
  throw new RedisReplyError(`idempotency record is not in a known format: ${value.slice(0, 100)}`);
}

function inProgress(key: string, ttlMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return new ApiError(409, "idempotency_in_progress", `a request with Idempotency-Key ${JSON.stringify(key)} is still being written; retry in ${seconds} s`, {
    "Retry-After": String(seconds),
  });
}

export async function requestHash({ messages, maxlen }: EnqueueRequest): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify({ messages, maxlen: maxlen ?? null })));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
