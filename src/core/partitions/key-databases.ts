/**
 * Which database holds a key, when partitions spread over several
 * (`partitions.databases`). Shared by the routing transport, which sends each
 * request where its keys live (routed-transport.ts), and by a handler's
 * effects, which must live where their message commits (effect-streams.ts):
 * both must agree, or an effect accepted by one is refused by the other.
 *
 * - A key whose stream part opens with a partition's tag (`{orders:p3}`,
 *   `{orders:p3}:dlq`, `cronsumer:idem:11:{orders:p3}:k`; see
 *   `parsePartitionKey`) is in that partition's database.
 * - A member's run reports and samples (`cronsumer:runs:orders-p3`) are in
 *   its partition's database.
 * - Any other key belongs to no database of its own (undefined): it follows
 *   the request that names it, and a request naming none goes to the home
 *   database of the function that sends it (`homeDatabase`).
 */
import type { PollingFunction } from "../define/define.js";
import { functionOfKey } from "../redis/keys.js";
import { expandPartitions } from "./partition-members.js";
import { partitionSpecs } from "./partition-specs.js";
import type { Partitions } from "../define/partitions.js";
import { databaseOfPartition, parsePartitionKey } from "../define/partitions.js";

/** Where one key lives, or undefined for a key that follows its request. */
export type Locate = (key: string) => number | undefined;

export interface KeyDatabases {
  locate: Locate;
  /** Partitioned logical streams and their specs. */
  specs: ReadonlyMap<string, Required<Partitions>>;
  /** The functions with each partitioned one expanded into its members. */
  expanded: readonly PollingFunction[];
  /** True when some partitioned stream spreads over more than one database. */
  spread: boolean;
}

/** Built once per function list: runs of one deployment share it. */
const built = new WeakMap<readonly PollingFunction[], KeyDatabases>();

export function keyDatabases(functions: readonly PollingFunction[]): KeyDatabases {
  const known = built.get(functions);
  if (known) return known;
  const expanded = expandPartitions(functions);
  const specs = partitionSpecs(expanded);
  const members = new Map<string, number>();
  for (const fn of expanded) if (fn.partitionOf) members.set(fn.name, homeDatabase(fn));
  const locate: Locate = (key) => {
    const tag = parsePartitionKey(key);
    const spec = tag && specs.get(tag.logical);
    if (tag && spec) return databaseOfPartition(tag.index, spec);
    const fn = functionOfKey(key);
    return fn === undefined ? undefined : members.get(fn);
  };
  const result = { locate, specs, expanded, spread: [...specs.values()].some((s) => s.databases > 1) };
  built.set(functions, result);
  return result;
}

/** The database a function's own keys live in: its partition's for a member, else database 0. */
export const homeDatabase = (fn: Pick<PollingFunction, "partitionOf">): number => (fn.partitionOf ? databaseOfPartition(fn.partitionOf.index, fn.partitionOf.spec) : 0);
