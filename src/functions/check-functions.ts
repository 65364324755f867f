/**
 * What every entry point (`createScheduled`, `createApi`, `createDrainer`)
 * checks of its functions at start-up, and the list it then runs: partitioned
 * functions expanded into their members (partition-members.ts).
 */
import type { PollingFunction } from "../core/define/define.js";
import { resolveLanes } from "../core/define/lanes.js";
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
  refuseMixedReads(expanded);
  return expanded;
}

/**
 * One stream, one message shape and one set of lanes: the API and producers
 * write a stream one way (flat fields or a JSON body; the stream itself or a
 * lane's), so every function on it must read it that way. A function without
 * the lanes of another on its stream would never see the messages enqueued
 * into the other lanes.
 */
function refuseMixedReads(functions: readonly PollingFunction[]): void {
  agreeOnStream(functions, (fn) => fn.payload ?? "fields", (a, b, stream) => `${a.name} and ${b.name} both consume ${stream}, but only one has \`payload: "json"\`; a stream's messages have one shape, so give both the same \`payload\``);
  agreeOnStream(functions, (fn) => JSON.stringify(fn.options.lanes && resolveLanes(fn.options.lanes)), (a, b, stream) => {
    const lanes = (fn: PollingFunction) => (fn.options.lanes ? `lanes ${JSON.stringify(resolveLanes(fn.options.lanes))}` : "no lanes");
    return `${a.name} (${lanes(a)}) and ${b.name} (${lanes(b)}) both consume ${stream}; an enqueue's \`priority\` picks one lane stream for every function on it, so give both the same \`lanes\``;
  });
}

function agreeOnStream(functions: readonly PollingFunction[], valueOf: (fn: PollingFunction) => string, refusal: (a: PollingFunction, b: PollingFunction, stream: string) => string): void {
  const byStream = new Map<string, PollingFunction>();
  for (const fn of functions) {
    const stream = fn.partitionOf?.logical ?? fn.stream;
    const other = byStream.get(stream);
    if (other && valueOf(other) !== valueOf(fn)) throw new ConfigError(`createWorker: ${refusal(other, fn, JSON.stringify(stream))}`);
    byStream.set(stream, fn);
  }
}

const memberOf = (fn: PollingFunction): string | undefined =>
  fn.partitionOf ? ` (one is partition ${fn.partitionOf.index} of the partitioned function ${JSON.stringify(fn.partitionOf.function)})` : undefined;
