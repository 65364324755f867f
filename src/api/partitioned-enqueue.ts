/**
 * A write to a partitioned logical stream: each partition's messages are
 * written on its partition stream, and the partitions living on one database
 * share one request (enqueue-parts.ts: one MULTI/EXEC; with Idempotency-Key
 * one pipeline of one script per partition), the databases in parallel. So a
 * batch is atomic per partition, not across partitions: a failure can leave
 * some partitions written, and the error says which. With `lease`, each
 * partition stream's wake lease rides in its database's request.
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
import { enqueueParts } from "./enqueue-parts.js";
import { ApiError, toApiError } from "./errors.js";
import type { Enqueued } from "./idempotency.js";
import { checkScriptFields, enqueued, requestHash } from "./idempotency.js";
import { runScripts, scriptCall } from "./idempotency-script.js";
import { answerRepeat } from "./idempotency-record.js";
import type { PartitionPart } from "./partition-split.js";

export interface PartitionedEnqueued extends Enqueued {
  /** Per message, in request order: the partition stream it went to (its id, or delayed id, is there). */
  streams: string[];
  /** The partition streams this call wrote to (a repeat's answered parts are not among them). */
  written: string[];
  /** The partition streams whose wake lease this call took and says to start a session. */
  leased: string[];
}

/** Which partition streams take their wake lease with the write, and for how long. */
export interface PartitionLease {
  ms: number;
  streams: ReadonlySet<string>;
}

/** `request.stream` is the logical stream; `parts` its messages split by `splitByPartition`. */
export async function enqueuePartitioned(
  t: Transport,
  request: EnqueueRequest,
  spec: Partitions,
  parts: readonly PartitionPart[],
  key?: string,
  lease?: PartitionLease,
): Promise<PartitionedEnqueued> {
  const sub = (p: PartitionPart): EnqueueRequest => ({ ...request, stream: p.stream, messages: p.messages });
  const leaseOf = (p: PartitionPart) => (lease?.streams.has(p.stream) ? lease.ms : undefined);
  const outcomes: PromiseSettledResult<Enqueued>[] = new Array(parts.length);
  // Per part: its lease says to start a session (a lease beside a failed write included: enqueue-parts.ts).
  const starts: boolean[] = parts.map(() => false);
  const perDatabase = (indexes: readonly number[], write: (indexes: readonly number[]) => Promise<PromiseSettledResult<Enqueued>[]>) =>
    Promise.all(byDatabase(indexes, (i) => parts[i]!.index, spec).map(async (own) => (await write(own)).forEach((o, k) => (outcomes[own[k]!] = o))));
  const all = parts.map((_, i) => i);
  if (key === undefined) {
    await perDatabase(all, async (own) =>
      (await enqueueParts(t, own.map((i) => ({ request: sub(parts[i]!), leaseMs: leaseOf(parts[i]!) })))).map(({ written, wakes }, k) => {
        starts[own[k]!] = wakes;
        return written.status === "fulfilled" ? { status: "fulfilled", value: { created: true, ids: written.value } } : written;
      }),
    );
  } else {
    checkScriptFields(request.messages);
    const hash = await requestHash(request);
    const records = await readRecords(t, request.stream, spec, parts, key, hash);
    all.forEach((i) => records[i] !== null && (outcomes[i] = { status: "fulfilled", value: answerRepeat(records[i]!, hash, key) }));
    await perDatabase(
      all.filter((i) => records[i] === null),
      async (own) =>
        (await runScripts(t, own.map((i) => scriptCall(sub(parts[i]!), idempotencyKey(parts[i]!.stream, key), hash, leaseOf(parts[i]!))))).map((o, k) => {
          if (!o.ok) return { status: "rejected", reason: o.error };
          starts[own[k]!] = o.value.written && o.value.wakes;
          try {
            return { status: "fulfilled", value: enqueued(o.value, hash, key) };
          } catch (reason) {
            return { status: "rejected", reason };
          }
        }),
    );
  }
  const leased = parts.filter((_, i) => starts[i]).map((p) => p.stream);
  if (outcomes.some((o) => o.status === "rejected")) throw partialFailure(parts, outcomes, key !== undefined, leased);
  const ids: string[] = [];
  const streams: string[] = [];
  const done = outcomes.map((o) => (o as PromiseFulfilledResult<Enqueued>).value);
  parts.forEach((p, i) =>
    p.positions.forEach((position, k) => {
      ids[position] = done[i]!.ids[k]!;
      streams[position] = p.stream;
    }),
  );
  const written = parts.filter((_, i) => done[i]!.created).map((p) => p.stream);
  return { created: written.length > 0, ids, streams, written, leased };
}

/** `items` grouped by the database of the partition each is about, in order: one request each. */
function byDatabase<T>(items: readonly T[], partitionOf: (item: T) => number, spec: Partitions): T[][] {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const database = databaseOfPartition(partitionOf(item), spec);
    groups.set(database, [...(groups.get(database) ?? []), item]);
  }
  return [...groups.values()];
}

/**
 * The record under `key` of every partition of the stream, not only those
 * this body routes to: a different body may route elsewhere, and its record
 * must still refuse this one (422). One request per database, since a request
 * stays in one; answers each part's record, or null.
 */
async function readRecords(t: Transport, logical: string, spec: Partitions, parts: readonly PartitionPart[], key: string, hash: string): Promise<(string | null)[]> {
  const found = new Map<number, string | null>();
  await Promise.all(
    byDatabase(Array.from({ length: spec.count }, (_, index) => index), (index) => index, spec).map(async (indexes) => {
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
  /** The streams whose lease this call took and says to start a session. */
  leased: string[] = [];
}

/** One error naming what was written and what was not, with the status of the first failure. */
function partialFailure(parts: readonly PartitionPart[], outcomes: readonly PromiseSettledResult<Enqueued>[], keyed: boolean, leased: string[]): PartialEnqueueError {
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
  error.leased = leased;
  return error;
}
