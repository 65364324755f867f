/**
 * What every entry point (`createScheduled`, `createApi`, `createDrainer`)
 * checks of its functions at start-up, and the list it then runs: partitioned
 * functions expanded into their members (partition-members.ts).
 */
import type { PollingFunction } from "../core/define/define.js";
import { ConfigError } from "../core/redis/errors.js";
import { expandPartitions } from "../core/partitions/partition-members.js";
import { partitionSpecs } from "../core/partitions/partition-specs.js";

/**
 * Two functions with one name would share consumer names and reports: refused
 * at start-up, partition members (`<name>-p<i>`) included. Answers the
 * functions with partitioned ones expanded into their members, the list
 * everything downstream runs.
 */
export function checkFunctions(functions: readonly PollingFunction[]): PollingFunction[] {
  if (!Array.isArray(functions) || functions.length === 0) throw new ConfigError("createWorker: `functions` must list at least one polling function");
  for (const fn of functions) {
    if ((typeof fn?.handle !== "function" && typeof fn?.handleBatch !== "function") || typeof fn.name !== "string") throw new ConfigError("createWorker: every entry of `functions` must come from definePollingFunction()");
  }
  const expanded = expandPartitions(functions);
  const seen = new Map<string, PollingFunction>();
  for (const fn of expanded) {
    const other = seen.get(fn.name);
    if (other) throw new ConfigError(`createWorker: two functions are named ${JSON.stringify(fn.name)}${memberOf(fn) ?? memberOf(other) ?? ""}; names must be unique`);
    seen.set(fn.name, fn);
  }
  partitionSpecs(expanded); // throws a conflict at start-up
  refuseMixedPayloads(expanded);
  return expanded;
}

/** One stream, one message shape: the API and producers write a stream one way, so its functions must all read it that way. */
function refuseMixedPayloads(functions: readonly PollingFunction[]): void {
  const byStream = new Map<string, PollingFunction>();
  for (const fn of functions) {
    const stream = fn.partitionOf?.logical ?? fn.stream;
    const other = byStream.get(stream);
    if (other && (other.payload ?? "fields") !== (fn.payload ?? "fields")) {
      throw new ConfigError(`createWorker: ${other.name} and ${fn.name} both consume ${JSON.stringify(stream)}, but only one has \`payload: "json"\`; a stream's messages have one shape, so give both the same \`payload\``);
    }
    byStream.set(stream, fn);
  }
}

const memberOf = (fn: PollingFunction): string | undefined =>
  fn.partitionOf ? ` (one is partition ${fn.partitionOf.index} of the partitioned function ${JSON.stringify(fn.partitionOf.function)})` : undefined;
