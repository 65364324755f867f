/**
 * The partitioned logical streams of the configured functions, learnt from
 * their members' `partitionOf`. Two partitioned functions may share a logical
 * stream (two groups over the same partitions) only with the same spec, and a
 * logical stream may not also be consumed whole: a write could not be routed
 * to suit both. Such a conflict is a `ConfigError` at start-up
 * (`checkPartitionSpecs`, from every entry point and the API's catalog).
 */
import type { PollingFunction } from "./define.js";
import { ConfigError } from "./errors.js";
import type { Partitions } from "./partitions.js";

export function partitionSpecs(functions: readonly PollingFunction[]): (stream: string) => Required<Partitions> | undefined {
  return (stream) => {
    const members = functions.filter((fn) => fn.partitionOf?.logical === stream);
    if (members.length === 0) return undefined;
    const whole = functions.find((fn) => fn.stream === stream);
    if (whole) throw new ConfigError(`${JSON.stringify(stream)} is consumed whole by ${whole.name} and partitioned by ${members[0]!.partitionOf!.function}; a write cannot be routed to suit both`);
    const spec = members[0]!.partitionOf!.spec;
    const other = members.find((fn) => JSON.stringify(fn.partitionOf!.spec) !== JSON.stringify(spec));
    if (other) {
      throw new ConfigError(`${members[0]!.partitionOf!.function} and ${other.partitionOf!.function} partition ${JSON.stringify(stream)} differently; give them the same \`partitions\` or different streams`);
    }
    return spec;
  };
}

/** Throws the first conflict among the functions' partitioned logical streams. */
export function checkPartitionSpecs(functions: readonly PollingFunction[]): void {
  const specs = partitionSpecs(functions);
  for (const fn of functions) if (fn.partitionOf) specs(fn.partitionOf.logical);
}
