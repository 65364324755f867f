/**
 * The streams the API may touch: those the configured functions consume, and
 * their dead-letter streams. Every route resolves its `:stream` here first,
 * so the API can never read or write any other key; anything else is 404.
 *
 * Dead-letter stream names come from the definitions alone: `FN_*` vars only
 * override numbers and booleans, so they cannot move a dead-letter stream, and
 * a bad var must not lock operators out of the API they would fix it with.
 */
import type { PollingFunction } from "../core/define/define.js";
import { resolveOptions } from "../core/define/define.js";
import type { Partitions } from "../core/define/partitions.js";
import { ApiError } from "./errors.js";
import { partitionSpecs } from "../core/partitions/partition-specs.js";
import type { Payload } from "../core/define/payload.js";
import { streamsRead } from "../core/define/options.js";

export interface Catalog {
  readonly functions: readonly PollingFunction[];
  /** 404 unless `stream` is a source or dead-letter stream of some function. */
  requireStream(stream: string): void;
  /** 400 unless `stream` is consumed by some function: only those take new messages. */
  requireSource(stream: string): readonly PollingFunction[];
  isSource(stream: string): boolean;
  /** The function consuming `stream` with `group`, if any. */
  owner(stream: string, group: string): PollingFunction | undefined;
  /** `stream` itself when it is a dead-letter stream, else the one its consumers dead-letter to. */
  deadLetterStreamFor(stream: string): string;
  deadLetterStream(fn: PollingFunction): string;
  functionNamed(name: string): PollingFunction;
  /** The spec of a partitioned logical stream (members' `partitionOf.logical`), if `stream` is one. */
  partitionsOf(stream: string): Required<Partitions> | undefined;
  /** The members of partitioned function `name`, in partition order; [] if it is not one. */
  membersOf(name: string): readonly PollingFunction[];
  /** How messages of `stream` are shaped, by the functions consuming it (or its partitions); a dead letter's, by its own function. */
  payloadOf(stream: string): Payload;
}

export function createCatalog(functions: readonly PollingFunction[]): Catalog {
  const resolved = new Map(functions.map((fn) => [fn, resolveOptions(fn, {}, 1)]));
  const dlqOf = new Map(functions.map((fn) => [fn, resolved.get(fn)!.deadLetterStream]));
  // A function with lanes (lanes.ts) consumes each lane's stream: its dead letters replay there.
  const streamsOf = new Map(functions.map((fn) => [fn, streamsRead(fn.stream, resolved.get(fn)!)]));
  const consumersOf = (stream: string) => functions.filter((fn) => streamsOf.get(fn)!.includes(stream));
  const isDeadLetter = (stream: string) => [...dlqOf.values()].includes(stream);
  const isSource = (stream: string) => consumersOf(stream).length > 0;
  const specs = partitionSpecs(functions);

  const requireStream = (stream: string) => {
    if (!isSource(stream) && !isDeadLetter(stream)) {
      throw new ApiError(404, "stream_not_found", `no configured function consumes or dead-letters to ${JSON.stringify(stream)}`);
    }
  };

  return {
    functions,
    requireStream,
    isSource,
    requireSource(stream) {
      requireStream(stream);
      const consumers = consumersOf(stream);
      if (consumers.length === 0) {
        throw new ApiError(400, "not_a_source_stream", `${JSON.stringify(stream)} is a dead-letter stream; enqueue onto a stream a function consumes, or replay its dead letters`);
      }
      return consumers;
    },
    owner: (stream, group) => functions.find((fn) => streamsOf.get(fn)!.includes(stream) && fn.group === group),
    deadLetterStreamFor(stream) {
      requireStream(stream);
      if (isDeadLetter(stream)) return stream;
      const targets = [...new Set(consumersOf(stream).map((fn) => dlqOf.get(fn)!))];
      if (targets.length > 1) {
        throw new ApiError(400, "ambiguous_dead_letter_stream", `functions consuming ${JSON.stringify(stream)} dead-letter to ${targets.map((t) => JSON.stringify(t)).join(" and ")}; name one of those instead`);
      }
      return targets[0]!;
    },
    deadLetterStream: (fn) => dlqOf.get(fn)!,
    functionNamed(name) {
      const fn = functions.find((f) => f.name === name);
      if (!fn) throw new ApiError(404, "function_not_found", `no function named ${JSON.stringify(name)}; GET /functions lists them`);
      return fn;
    },
    partitionsOf: (stream) => specs.get(stream),
    payloadOf: (stream) =>
      functions.some((fn) => fn.payload === "json" && (fn.stream === stream || fn.partitionOf?.logical === stream)) ? "json" : "fields",
    membersOf: (name) => functions.filter((fn) => fn.partitionOf?.function === name).sort((a, b) => a.partitionOf!.index - b.partitionOf!.index),
  };
}
