/**
 * Where a handler's `effects.xadd` onto a stream goes when that stream is a
 * partitioned logical stream: into the partition its key routes to, as the
 * API and the producer would write it. A bare XADD onto the logical name
 * would land in a stream no member reads. The effect commits in the
 * message's own transaction, so the partition must live in the database the
 * message commits in; otherwise the attempt fails with an error saying so
 * (enqueue through the API or the producer instead), and only that message
 * is retried, not its whole batch's commit refused.
 */
import type { PollingFunction } from "../define/define.js";
import { ConfigError } from "../redis/errors.js";
import { partitionSpecs } from "./partition-specs.js";
import type { Fields } from "../redis/parse-replies.js";
import type { Partitions } from "../define/partitions.js";
import { databaseOfPartition, routeFields } from "../define/partitions.js";

/** Answers the stream an effect's XADD onto `stream` writes to, or throws ConfigError. */
export type { EffectStreams } from "../define/effects.js";
import type { EffectStreams } from "../define/effects.js";

/** Built once per function list: runs of one deployment share it. */
const specsOf = new WeakMap<readonly PollingFunction[], ReadonlyMap<string, Required<Partitions>>>();

function logicalSpecs(functions: readonly PollingFunction[]): ReadonlyMap<string, Required<Partitions>> {
  let specs = specsOf.get(functions);
  if (!specs) specsOf.set(functions, (specs = partitionSpecs(functions)));
  return specs;
}

/** Undefined when no function of the deployment is partitioned: effects write where they are told. */
export function effectStreams(functions: readonly PollingFunction[], own: PollingFunction): EffectStreams | undefined {
  const specs = logicalSpecs(functions);
  if (specs.size === 0) return undefined;
  const ownDatabase = own.partitionOf ? databaseOfPartition(own.partitionOf.index, own.partitionOf.spec) : 0;
  return (stream, fields) => {
    const spec = specs.get(stream);
    if (!spec) return stream;
    const routed = routeFields(fields, stream, spec);
    if ("missing" in routed) throw new ConfigError(`effects.xadd onto the partitioned stream ${JSON.stringify(stream)}: the field ${JSON.stringify(routed.missing)} that routes it is missing`);
    const database = databaseOfPartition(routed.index, spec);
    if (database !== ownDatabase) {
      throw new ConfigError(
        `effects.xadd onto ${JSON.stringify(stream)} routes to ${routed.stream} in database ${database}, but this message commits in database ${ownDatabase}: ` +
          "an effect commits in the message's own transaction; enqueue through the API or the producer instead",
      );
    }
    return routed.stream;
  };
}
