/**
 * The partitioned logical streams of the configured functions, learnt from
 * their members' `partitionOf`. Two partitioned functions may share a logical
 * stream (two groups over the same partitions) only with the same spec, and a
 * logical stream may not also be consumed whole: a write could not be routed
 * to suit both. Such a conflict answers 503 `not_configured` on writes to that
 * stream only, so it never locks operators out of the rest of the API.
 */
import type { PollingFunction } from "../core/define.js";
import { ConfigError } from "../core/errors.js";
import type { Partitions } from "../core/partitions.js";

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
