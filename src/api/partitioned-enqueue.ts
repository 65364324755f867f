/**
 * A write to a partitioned logical stream: each partition's messages are
 * written by the ordinary enqueue (one MULTI/EXEC, or with Idempotency-Key one
 * script) on its partition stream, one request per partition, in parallel.
 * So a batch is atomic per partition, not across partitions: a failure can
 * leave some partitions written, and the error says which.
 *
 * Idempotency-Key is kept per partition: the record of partition i lives
 * beside its stream (`idempotencyKey({logical:pi}, key)`, same slot and
 * database) and holds the hash of the WHOLE request. The split is
 * deterministic, so a repeat finds the same parts: partitions already written
 * answer their ids from their records, and only the missing ones write. A
 * first read of every part's record (one request per database) refuses a
 * different body under the same key (422) before any partition writes, in
 * every partition, not only those this body routes to. Two
 * different bodies racing under one key pass that read together, and each
 * may write partitions the other had not yet recorded; each partition still
 * writes at most once under the key (its script checks and writes as one).
 */
import { databaseOfPartition, partitionStream } from "../core/define/partitions.js";
import type { Partitions } from "../core/define/partitions.js";
import { getOp } from "../core/redis/key-ops.js";
import { idempotencyKey } from "../core/redis/keys.js";
import { sendPipeline } from "../core/redis/ops.js";
import type { Transport } from "../core/redis/transport.js";
import type { EnqueueRequest } from "./enqueue.js";
import { enqueue } from "./enqueue.js";
import { ApiError, toApiError } from "./errors.js";
import type { Enqueued } from "./idempotency.js";
import { checkScriptFields, enqueueHashed, requestHash } from "./idempotency.js";
import { answerRepeat } from "./idempotency-record.js";
import type { PartitionPart } from "./partition-split.js";
import { writeStream } from "./lane-target.js";

export interface PartitionedEnqueued extends Enqueued {
  /** Per message, in request order: the partition stream it went to (its id, or delayed id, is there). */
  streams: string[];
  /** The partition streams this call wrote to (a repeat's answered parts are not among them). */
  written: string[];
}

/** `request.stream` is the logical stream; `parts` its messages split by `splitByPartition`. */
export async function enqueuePartitioned(t: Transport, request: EnqueueRequest, spec: Partitions, parts: readonly PartitionPart[], key?: string): Promise<PartitionedEnqueued> {
  const sub = (p: PartitionPart): EnqueueRequest => ({ ...request, stream: p.stream, messages: p.messages });
  let writes: Promise<Enqueued>[];
  if (key === undefined) {
    writes = parts.map(async (p) => ({ created: true, ids: await enqueue(t, sub(p)) }));
  } else {
    checkScriptFields(request.messages);
    const hash = await requestHash(request);
    const records = await readRecords(t, request.stream, spec, parts, key, hash);
    const repeats = records.map((record) => (record === null ? undefined : answerRepeat(record, hash, key)));
    writes = parts.map((p, i) => (repeats[i] ? Promise.resolve(repeats[i]) : enqueueHashed(t, sub(p), key, hash)));
  }
  const outcomes = await Promise.allSettled(writes);
  if (outcomes.some((o) => o.status === "rejected")) throw partialFailure(parts, outcomes, key !== undefined);
  const ids: string[] = [];
  const streams: string[] = [];
  const done = outcomes.map((o) => (o as PromiseFulfilledResult<Enqueued>).value);
  parts.forEach((p, i) =>
    p.positions.forEach((position, k) => {
      ids[position] = done[i]!.ids[k]!;
      streams[position] = writeStream(sub(p));
    }),
  );
  const written = parts.filter((_, i) => done[i]!.created).map((p) => p.stream);
  return { created: written.length > 0, ids, streams, written };
}

/**
 * The record under `key` of every partition of the stream, not only those
 * this body routes to: a different body may route elsewhere, and its record
 * must still refuse this one (422). One request per database, since a request
 * stays in one; answers each part's record, or null.
 */
async function readRecords(t: Transport, logical: string, spec: Partitions, parts: readonly PartitionPart[], key: string, hash: string): Promise<(string | null)[]> {
  const byDatabase = new Map<number, number[]>();
  for (let index = 0; index < spec.count; index++) {
    const database = databaseOfPartition(index, spec);
    byDatabase.set(database, [...(byDatabase.get(database) ?? []), index]);
  }
  const found = new Map<number, string | null>();
  await Promise.all(
    [...byDatabase.values()].map(async (indexes) => {
      const records = await sendPipeline(t, indexes.map((i) => getOp(idempotencyKey(partitionStream(logical, i), key))));
      indexes.forEach((i, k) => found.set(i, records[k]!));
    }),
  );
  // Throws 422 for another body's record in any partition, before any write.
  for (const record of found.values()) if (record !== null) answerRepeat(record, hash, key);
  return parts.map((p) => found.get(p.index)!);
}

/** A partitioned write that failed in some partition; `written` are the partition streams it did write (to wake their members). */
export class PartialEnqueueError extends ApiError {
  written: string[] = [];
}

/** One error naming what was written and what was not, with the status of the first failure. */
function partialFailure(parts: readonly PartitionPart[], outcomes: readonly PromiseSettledResult<Enqueued>[], keyed: boolean): PartialEnqueueError {
  const failedAt = outcomes.findIndex((o) => o.status === "rejected");
  const first = toApiError((outcomes[failedAt] as PromiseRejectedResult).reason);
  const names = (status: string) => parts.filter((_, i) => outcomes[i]!.status === status).map((p) => `${p.stream} (${p.messages.length})`);
  const written = names("fulfilled");
  const advice = keyed
    ? "repeat with the same Idempotency-Key: partitions already written answer their ids and only the others write"
    : "a repeat would write the written partitions again; send an Idempotency-Key to make the retry safe";
  const message = `partitions written: ${written.length > 0 ? written.join(", ") : "none"}; failed: ${names("rejected").join(", ")}: ${first.message}. ${advice}`;
  const error = new PartialEnqueueError(first.status, first.code, message, first.headers, { cause: first });
  error.written = parts.filter((_, i) => outcomes[i]!.status === "fulfilled" && (outcomes[i] as PromiseFulfilledResult<Enqueued>).value.created).map((p) => p.stream);
  return error;
}
