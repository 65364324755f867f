/**
 * Commands the bridge will not forward.
 *
 * Every request shares one Redis connection, so a command that changes the
 * connection's state (SELECT, WATCH, MULTI, SUBSCRIBE …) would leak into
 * other requests, and a blocking one (BLPOP, XREADGROUP … BLOCK) would stall
 * them all. Upstash's REST API has no connection to change either: WATCH is
 * not supported, transactions go through /multi-exec, and blocking reads do
 * not block over REST (see shared/FIELD-NOTES.md). Refusing them loudly here
 * catches code that would misbehave against Upstash.
 *
 * Server administration is refused too: Upstash offers none of it (its
 * compatibility page lists DBSIZE, FLUSHALL, FLUSHDB and TIME as its server
 * commands, and SCRIPT only as EXISTS, LOAD and FLUSH), and here it would let
 * anyone holding the bridge token read the Redis password (CONFIG GET), stop
 * or stall the server (SHUTDOWN, DEBUG SLEEP, SCRIPT DEBUG SYNC) or lock the
 * bridge out (ACL SETUSER, CONFIG SET requirepass). ACL is listed by Upstash
 * but refused here for that last reason.
 */
import { blocks } from "./blocking.js";

const CONNECTION_STATE = new Set([
  "AUTH", "CLIENT", "DISCARD", "EXEC", "HELLO", "MONITOR", "MULTI", "PSUBSCRIBE", "PUNSUBSCRIBE",
  "QUIT", "READONLY", "READWRITE", "RESET", "SELECT", "SSUBSCRIBE", "SUBSCRIBE", "SUNSUBSCRIBE",
  "SYNC", "PSYNC", "UNSUBSCRIBE", "UNWATCH", "WATCH",
]);

const ADMINISTRATION = new Set([
  "ACL", "BGREWRITEAOF", "BGSAVE", "CLUSTER", "CONFIG", "DEBUG", "FAILOVER", "MIGRATE", "MODULE",
  "REPLICAOF", "SAVE", "SHUTDOWN", "SLAVEOF", "SWAPDB",
]);

/** The SCRIPT subcommands Upstash supports; KILL and DEBUG are not among them. */
const SCRIPT_SUBCOMMANDS = new Set(["EXISTS", "FLUSH", "LOAD"]);

/** Returns a Redis-style error message when `argv` must not be forwarded, else undefined. */
export function refusal(argv: readonly string[]): string | undefined {
  const name = (argv[0] ?? "").toUpperCase();
  if (CONNECTION_STATE.has(name)) {
    return `ERR Command is not allowed: ${name} would change the shared connection's state (not supported over REST)`;
  }
  if (ADMINISTRATION.has(name)) {
    return `ERR Command is not allowed: ${name} administers the server, which the REST API does not offer`;
  }
  if (name === "SCRIPT" && !SCRIPT_SUBCOMMANDS.has((argv[1] ?? "").toUpperCase())) {
    return `ERR Command is not allowed: SCRIPT ${(argv[1] ?? "").toUpperCase()} (over REST, SCRIPT takes only EXISTS, LOAD or FLUSH)`;
  }
  if (blocks(argv)) {
    return `ERR Command is not allowed: ${name} blocks, and blocking reads are not supported over REST`;
  }
  return undefined;
}
