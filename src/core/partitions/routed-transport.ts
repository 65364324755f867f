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
 *   that acknowledges its message. A request naming none goes to the home
 *   database of the function that sends it (`homeTransport`: a member's is
 *   its partition's), else to database 0 (key-databases.ts).
 * - A transaction naming keys of two databases is refused with a
 *   `ConfigError` (a bug: splitting it would break its atomicity). A pipeline
 *   is not atomic, so one naming several databases (the API listing every
 *   member's reports) is sent as one pipeline per database, answered in order.
 */
import type { PollingFunction } from "../define/define.js";
import type { Partitions } from "../define/partitions.js";
import { commandKeys } from "../redis/command-keys.js";
import { ConfigError } from "../redis/errors.js";
import { extraRequests, withExtraRequests } from "../redis/extra-requests.js";
import type { Command, Outcome, Transport } from "../redis/transport.js";
import type { Locate } from "./key-databases.js";
import { homeDatabase, keyDatabases } from "./key-databases.js";

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
  const homes = new Map<number, Transport>();
  const at = (home: number): Transport => {
    let t = homes.get(home);
    if (!t) homes.set(home, (t = routeFrom(databases, locate, home)));
    return t;
  };
  for (const t of [at(0), ...Array.from({ length: databases.length - 1 }, (_, j) => at(j + 1))]) {
    partitionsOf.set(t, specs);
    homesOf.set(t, at);
  }
  return at(0);
}

/** Each routed transport's variants by home database, for `homeTransport`. */
const homesOf = new WeakMap<Transport, (home: number) => Transport>();

/**
 * The transport `fn`'s run sends through: for a routed transport, one whose
 * requests that name no database's key (`ctx.read` of an untagged key, a
 * `noAck` member's effects-only commit) go to `fn`'s own database, where its
 * effects live; any other transport as it is. Wrapping twice is harmless.
 */
export function homeTransport(t: Transport, fn: Pick<PollingFunction, "partitionOf">): Transport {
  const at = homesOf.get(t);
  return at ? at(homeDatabase(fn)) : t;
}

function routeFrom(databases: readonly Transport[], locate: Locate, home: number): Transport {
  async function pipeline(commands: readonly Command[]): Promise<Outcome[]> {
    const perCommand = commands.map((c) => databaseOfRequest([c], locate));
    const named = new Set(perCommand.filter((db) => db !== undefined));
    if (named.size <= 1) return databases[[...named][0] ?? home]!.pipeline(commands);
    const outcomes: Outcome[] = new Array(commands.length);
    const target = perCommand.map((db) => db ?? home);
    const dbs = [...new Set(target)];
    let extra = 0;
    await Promise.all(
      dbs.map(async (db) => {
        const at = target.flatMap((d, i) => (d === db ? [i] : []));
        const answered = await databases[db]!.pipeline(at.map((i) => commands[i]!));
        extra += extraRequests(answered);
        at.forEach((i, j) => (outcomes[i] = answered[j]!));
      }),
    );
    // One call, one request per database it reached (and whatever each of those cost beyond it).
    return withExtraRequests(outcomes, dbs.length - 1 + extra);
  }
  return {
    pipeline: async (commands) => (databases.length === 1 ? databases[0]!.pipeline(commands) : pipeline(commands)),
    transaction: async (commands) => databases[databaseOfRequest(commands, locate) ?? home]!.transaction(commands),
  };
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
  const { locate, specs, expanded } = keyDatabases(functions);
  for (const fn of expanded) {
    const of = fn.partitionOf;
    if (!of) continue;
    const where = `routedTransport: partitioned function ${JSON.stringify(of.function)}`;
    if (of.spec.databases > count) throw new ConfigError(`${where} spreads over ${of.spec.databases} databases; only ${count} given`);
    // An explicit dead-letter stream is shared by every partition, so with several databases it would be split between them.
    if (of.spec.databases > 1 && fn.options.deadLetterStream !== undefined) {
      throw new ConfigError(`${where}: with \`partitions.databases\` > 1 leave \`deadLetterStream\` unset, so each partition dead-letters to its own \`{stream:p<i>}:dlq\``);
    }
  }
  return { locate, specs };
}
