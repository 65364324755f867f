/**
 * Where a handler's effects go when some streams are partitioned:
 * - an `effects.xadd` onto a partitioned logical stream goes into the
 *   partition its key routes to, as the API and the producer would write it
 *   (a bare XADD onto the logical name would land in a stream no member
 *   reads);
 * - an effect commits in its message's own transaction, so every key it
 *   names must live in the database the message commits in
 *   (key-databases.ts). One that names a key of another database (a
 *   partition of another database, routed or named by its tag) fails its
 *   attempt with an error saying so, and only that message is retried: the
 *   routing transport would otherwise refuse the whole batch's commit.
 */
import type { PollingFunction } from "../define/define.js";
import type { EffectStreams } from "../define/effects.js";
import { routeFields } from "../define/partitions.js";
import { commandKeys } from "../redis/command-keys.js";
import { ConfigError } from "../redis/errors.js";
import { homeDatabase, keyDatabases } from "./key-databases.js";

export type { EffectStreams } from "../define/effects.js";

const ENQUEUE_INSTEAD = "an effect commits in the message's own transaction; enqueue through the API or the producer instead";

/** Undefined when no function of the deployment is partitioned: effects write where they are told. */
export function effectStreams(functions: readonly PollingFunction[], own: PollingFunction): EffectStreams | undefined {
  const { specs, locate, spread } = keyDatabases(functions);
  if (specs.size === 0) return undefined;
  const ownDatabase = homeDatabase(own);
  return {
    stream(stream, fields) {
      const spec = specs.get(stream);
      if (!spec) return stream;
      const routed = routeFields(fields, stream, spec);
      if ("missing" in routed) throw new ConfigError(`effects.xadd onto the partitioned stream ${JSON.stringify(stream)}: the field ${JSON.stringify(routed.missing)} that routes it is missing`);
      const database = locate(routed.stream)!;
      if (database !== ownDatabase) {
        throw new ConfigError(`effects.xadd onto ${JSON.stringify(stream)} routes to ${routed.stream} in database ${database}, but this message commits in database ${ownDatabase}: ${ENQUEUE_INSTEAD}`);
      }
      return routed.stream;
    },
    check(command) {
      // One database: every key is in it.
      if (!spread) return;
      for (const key of commandKeys(command)) {
        const database = locate(key);
        if (database !== undefined && database !== ownDatabase) {
          throw new ConfigError(`effects: ${command[0]} ${JSON.stringify(key)} names a key of database ${database}, but this message commits in database ${ownDatabase}: ${ENQUEUE_INSTEAD}`);
        }
      }
    },
  };
}
