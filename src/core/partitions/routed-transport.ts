/**
 * Partitions spread over several databases (`partitions.databases`): one
 * transport that sends each request to the database holding its keys.
 *
 * - A key whose stream part opens with a partition's tag (`{orders:p3}`,
 *   `{orders:p3}:dlq`, `cronsumer:idem:11:{orders:p3}:k`; see
 *   `parsePartitionKey`: braces in an Idempotency-Key or message id name
 *   nothing) is in that partition's database
 *   (`databaseOfPartition`); a member's run reports and samples
 *   (`cronsumer:runs:orders-p3`) are in its partition's database.
 * - Other keys belong to no database of their own: they go where the
 *   request's tagged keys go, so a member's effects commit in the MULTI/EXEC
 *   that acknowledges its message. A request naming none goes to database 0.
 * - A transaction naming keys of two databases is refused with a
 *   `ConfigError` (a bug: splitting it would break its atomicity). A pipeline
 *   is not atomic, so one naming several databases (the API listing every
 *   member's reports) is sent as one pipeline per database, answered in order.
 */
import { commandKeys } from "../redis/command-keys.js";
import type { PollingFunction } from "../define/define.js";
import { ConfigError } from "../redis/errors.js";
import { functionOfKey } from "../redis/keys.js";
import { expandPartitions } from "./partition-members.js";
import type { Partitions } from "../define/partitions.js";
import { partitionSpecs } from "./partition-specs.js";
import { databaseOfPartition, parsePartitionKey } from "../define/partitions.js";
import type { Command, Outcome, Transport } from "../redis/transport.js";

/** Where one key lives, or undefined for a key that follows its request. */
type Locate = (key: string) => number | undefined;

/** Each routed transport's partitioned logical streams, for `routedPartitions`. */
const partitionsOf = new WeakMap<Transport, ReadonlyMap<string, Required<Partitions>>>();

/**
 * The partitioned logical streams `t` locates, with their specs, when `t` is
 * a `routedTransport`; undefined for any other transport. The producer checks
 * its own `partitions` against it: a stream the transport does not know would
 * have every partition sent to database 0.
 */
export const routedPartitions = (t: Transport): ReadonlyMap<string, Required<Partitions>> | undefined => partitionsOf.get(t);

export function routedTransport(databases: readonly Transport[], functions: readonly PollingFunction[]): Transport {
  if (!Array.isArray(databases) || databases.length === 0) throw new ConfigError("routedTransport: `databases` must list at least one transport");
  const { locate, specs } = locator(databases.length, functions);

  async function pipeline(commands: readonly Command[]): Promise<Outcome[]> {
    const perCommand = commands.map((c) => databaseOfRequest([c], locate));
    const named = new Set(perCommand.filter((db) => db !== undefined));
    if (named.size <= 1) return databases[[...named][0] ?? 0]!.pipeline(commands);
    const outcomes: Outcome[] = new Array(commands.length);
    const target = perCommand.map((db) => db ?? 0);
    await Promise.all(
      [...new Set(target)].map(async (db) => {
        const at = target.flatMap((d, i) => (d === db ? [i] : []));
        const answered = await databases[db]!.pipeline(at.map((i) => commands[i]!));
        at.forEach((i, j) => (outcomes[i] = answered[j]!));
      }),
    );
    return outcomes;
  }

  const routed: Transport = {
    pipeline: async (commands) => (databases.length === 1 ? databases[0]!.pipeline(commands) : pipeline(commands)),
    transaction: async (commands) => databases[databaseOfRequest(commands, locate) ?? 0]!.transaction(commands),
  };
  partitionsOf.set(routed, specs);
  return routed;
}

/**
 * The database of every key the commands name, or undefined when none names
 * a key of a database; throws `ConfigError` naming two keys of two databases.
 */
function databaseOfRequest(commands: readonly Command[], locate: Locate): number | undefined {
  let found: { db: number; key: string } | undefined;
  for (const command of commands) {
    for (const key of commandKeys(command)) {
      const db = locate(key);
      if (db === undefined) continue;
      if (found && found.db !== db) {
        throw new ConfigError(`one request names ${JSON.stringify(found.key)} (database ${found.db}) and ${JSON.stringify(key)} (database ${db}); a transaction cannot span databases`);
      }
      found ??= { db, key };
    }
  }
  return found?.db;
}

function locator(count: number, functions: readonly PollingFunction[]): { locate: Locate; specs: ReadonlyMap<string, Required<Partitions>> } {
  const expanded = expandPartitions(functions);
  const specs = partitionSpecs(expanded);
  const members = new Map<string, number>();
  for (const fn of expanded) {
    const of = fn.partitionOf;
    if (!of) continue;
    const where = `routedTransport: partitioned function ${JSON.stringify(of.function)}`;
    if (of.spec.databases > count) throw new ConfigError(`${where} spreads over ${of.spec.databases} databases; only ${count} given`);
    // An explicit dead-letter stream is shared by every partition, so with several databases it would be split between them.
    if (of.spec.databases > 1 && fn.options.deadLetterStream !== undefined) {
      throw new ConfigError(`${where}: with \`partitions.databases\` > 1 leave \`deadLetterStream\` unset, so each partition dead-letters to its own \`{stream:p<i>}:dlq\``);
    }
    members.set(fn.name, databaseOfPartition(of.index, of.spec));
  }
  const locate: Locate = (key) => {
    const tag = parsePartitionKey(key);
    const spec = tag && specs.get(tag.logical);
    if (tag && spec) return databaseOfPartition(tag.index, spec);
    const fn = functionOfKey(key);
    return fn === undefined ? undefined : members.get(fn);
  };
  return { locate, specs };
}
