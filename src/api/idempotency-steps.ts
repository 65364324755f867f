/**
 * Idempotent enqueue without Lua, for a store that has no EVAL (the embedded
 * engine of `npm start`). Weaker than the script: see the guarantee below.
 *
 * 1. `SET <key> pending:<owner>:<hash> NX EX 30`, pipelined with the id the
 *    stream ends at now. Only the request that sets it may write.
 * 2. One MULTI: the XADDs, and `SET <key> {"state":"committed",…} EX 86400`.
 *    XADD's ids exist only once EXEC answers, so the record written with the
 *    messages says that they were written, how many, and where: the first run
 *    of that many entries after where the stream ended in step 1 whose fields
 *    equal the request's (a transaction is never interleaved).
 * 3. `SET <key> {"state":"done","ids":[…]} EX 86400`, so a repeat costs one GET.
 *
 * Guarantee: one write per key, provided step 2 reaches Redis within 30 s of
 * step 1. Step 2 is unconditional (MULTI cannot test the marker), so a step 2
 * held in flight past the marker's expiry while a repeat writes lands too.
 * It is not sent more than 20 s after step 1, which narrows the window to
 * requests held in flight for over 10 s; it cannot close it.
 */
import { xrange, xrevrange } from "../core/commands.js";
import { RedisReplyError, TransportError } from "../core/errors.js";
import { delOp, getOp, pttlOp, setNxOp, setOp } from "../core/key-ops.js";
import { sendPipeline, transactionSettled } from "../core/ops.js";
import type { Fields, StreamEntry } from "../core/parse-replies.js";
import { nextStreamId } from "../core/stream-id.js";
import type { Transport } from "../core/transport.js";
import type { EnqueueRequest } from "./enqueue.js";
import { idsOf, xaddOps } from "./enqueue.js";
import { ApiError } from "./errors.js";
import type { Enqueued, IdemRecord } from "./idempotency-record.js";
import { checkSameRequest, inProgress, outcomeUnknown, parseRecord, PENDING_TTL_S, RECORD_TTL_S } from "./idempotency-record.js";

/** Past this since step 1, step 2 is not sent: the pending marker could expire before it lands. */
const SAFE_WRITE_MS = 20_000;
/** Step-3 recovery scans at most this many entries past where the stream ended. */
const SEARCH_PAGE = 500;
const SEARCH_PAGES = 4;

export async function enqueueInSteps(t: Transport, request: EnqueueRequest, key: string, redisKey: string, hash: string, now: () => number): Promise<Enqueued> {
  const owner = crypto.randomUUID();
  // Two tries: the record may expire between a refused SET NX and the GET.
  for (let attempt = 0; attempt < 2; attempt++) {
    const startedAt = now();
    const [taken, tail] = await sendPipeline(t, [setNxOp(redisKey, `pending:${owner}:${hash}`, PENDING_TTL_S), xrevrange(request.stream, "+", "-", 1)] as const);
    if (taken) return { created: true, ids: await write(t, request, redisKey, hash, tail[0]?.id ?? "0-0", now() - startedAt) };

    const [value, ttlMs] = await sendPipeline(t, [getOp(redisKey), pttlOp(redisKey)] as const);
    if (value === null) continue;
    return answerRepeat(t, request, key, redisKey, hash, value, ttlMs);
  }
  throw inProgress(key, 1_000);
}

/** Answers a repeat from the record its key holds: the ids, 409 while it is written, or 422 for another body. */
export async function answerRepeat(t: Transport, request: EnqueueRequest, key: string, redisKey: string, hash: string, value: string, ttlMs: number): Promise<Enqueued> {
  const record = parseRecord(value);
  checkSameRequest(record, hash, key);
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
    throw outcomeUnknown(error);
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
