/**
 * The partitioned logical streams of the configured functions, learnt from
 * their members' `partitionOf`. Two partitioned functions may share a logical
 * stream (two groups over the same partitions) only with the same spec, and a
 * logical stream may not also be consumed whole: a write could not be routed
 * to suit both. Such a conflict is a `ConfigError` at start-up, from every
 * entry point (check-functions.ts) and the API's catalog.
 */
import type { PollingFunction } from "../define/define.js";
import { ConfigError } from "../redis/errors.js";
import type { Partitions } from "../define/partitions.js";

/**
 * Logical stream → spec, for every partitioned stream among `functions`
 * (members carry their `partitionOf`), built once. Throws the first conflict.
 */
export function partitionSpecs(functions: readonly PollingFunction[]): ReadonlyMap<string, Required<Partitions>> {
  const specs = new Map<string, { spec: Required<Partitions>; by: string }>();
  for (const fn of functions) {
    const of = fn.partitionOf;
    if (!of) continue;
    const seen = specs.get(of.logical);
    if (seen && JSON.stringify(seen.spec) !== JSON.stringify(of.spec)) {
      throw new ConfigError(`${seen.by} and ${of.function} partition ${JSON.stringify(of.logical)} differently; give them the same \`partitions\` or different streams`);
    }
    if (seen) continue;
    const whole = functions.find((f) => f.stream === of.logical);
    if (whole) throw new ConfigError(`${JSON.stringify(of.logical)} is consumed whole by ${whole.name} and partitioned by ${of.function}; a write cannot be routed to suit both`);
    specs.set(of.logical, { spec: of.spec, by: of.function });
  }
  return new Map([...specs].map(([logical, { spec }]) => [logical, spec]));
}
