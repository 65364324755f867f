/**
 * A partitioned function runs as one ordinary function per partition: the
 * member consuming partition i is named `<name>-p<i>`, reads
 * `{<stream>:p<i>}` with the same group, handler and options, and is run,
 * fanned out, paused and reported like any function. So every guarantee of
 * a single stream (ack with effects, retries, dead letters, ordering) holds
 * per partition without a second engine, and nothing downstream needs to
 * know about partitions except the API's routing of writes.
 */
import type { PollingFunction } from "../define/define.js";
import { memberName, partitionStream } from "../define/partitions.js";

export function expandPartitions(functions: readonly PollingFunction[]): PollingFunction[] {
  return functions.flatMap((fn) => {
    const spec = fn.partitions;
    if (spec === undefined || fn.partitionOf !== undefined) return [fn];
    const full = { count: spec.count, key: spec.key, databases: spec.databases ?? 1 };
    // `ordered` orders by the partition key: one key is in one partition.
    const options = fn.options.ordered ? { ...fn.options, partitionKey: full.key } : fn.options;
    return Array.from({ length: full.count }, (_, index): PollingFunction => {
      const { partitions: _spec, ...rest } = fn;
      return {
        ...rest,
        name: memberName(fn.name, index),
        stream: partitionStream(fn.stream, index),
        options,
        partitionOf: { function: fn.name, logical: fn.stream, index, spec: full },
      };
    });
  });
}
