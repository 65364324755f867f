/**
 * Splitting a write to a partitioned logical stream into its partitions
 * (core/define/partitions.ts `routeFields`), shared by the API route and the
 * producer so both route a key to the same partition. A message without the
 * key field is refused (400) before anything is written: it has no partition,
 * and guessing one would break its key's order.
 */
import type { Fields } from "../core/redis/parse-replies.js";
import type { Partitions } from "../core/define/partitions.js";
import { routeFields } from "../core/define/partitions.js";
import { ApiError } from "./errors.js";

/** The messages of one request bound for one partition, with their positions in the request. */
export interface PartitionPart {
  index: number;
  stream: string;
  positions: number[];
  messages: Fields[];
}

/** The request's messages grouped by partition, in partition order; each part keeps the request's order. */
export function splitByPartition(logical: string, spec: Partitions, messages: readonly Fields[], batch: boolean): PartitionPart[] {
  const parts = new Map<number, PartitionPart>();
  messages.forEach((m, i) => {
    const route = routeFields(m, logical, spec);
    if ("missing" in route) {
      throw new ApiError(400, "missing_partition_key", `${batch ? `message ${i}: ` : ""}field ${JSON.stringify(route.missing)} is missing; ${JSON.stringify(logical)} is partitioned by it, so every message needs it to be routed`);
    }
    let part = parts.get(route.index);
    if (!part) parts.set(route.index, (part = { index: route.index, stream: route.stream, positions: [], messages: [] }));
    part.positions.push(i);
    part.messages.push(m);
  });
  return [...parts.values()].sort((a, b) => a.index - b.index);
}

/**
 * 400 for a write straight to partition `index` of `logical`: only routing by
 * the key keeps one key in one partition, and a message in another partition
 * would be processed out of its key's order.
 */
export function writeToPartitionRefused(stream: string, logical: string, index: number): ApiError {
  return new ApiError(
    400,
    "partition_stream",
    `${JSON.stringify(stream)} is partition ${index} of the partitioned stream ${JSON.stringify(logical)}; enqueue onto ${JSON.stringify(logical)}, which routes each message to its key's partition`,
  );
}
