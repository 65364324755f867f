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
 */

const CONNECTION_STATE = new Set([
  "AUTH", "CLIENT", "DISCARD", "EXEC", "HELLO", "MONITOR", "MULTI", "PSUBSCRIBE", "PUNSUBSCRIBE",
  "QUIT", "READONLY", "READWRITE", "RESET", "SELECT", "SSUBSCRIBE", "SUBSCRIBE", "SUNSUBSCRIBE",
  "SYNC", "PSYNC", "UNSUBSCRIBE", "UNWATCH", "WATCH",
]);

const BLOCKING = new Set([
  "BLMOVE", "BLMPOP", "BLPOP", "BRPOP", "BRPOPLPUSH", "BZMPOP", "BZPOPMAX", "BZPOPMIN", "WAIT", "WAITAOF",
]);

/** Returns a Redis-style error message when `argv` must not be forwarded, else undefined. */
export function refusal(argv: readonly string[]): string | undefined {
  const name = (argv[0] ?? "").toUpperCase();
  if (CONNECTION_STATE.has(name)) {
    return `ERR Command is not allowed: ${name} would change the shared connection's state (not supported over REST)`;
  }
  if (BLOCKING.has(name) || ((name === "XREAD" || name === "XREADGROUP") && hasBlock(argv))) {
    return `ERR Command is not allowed: ${name} blocks, and blocking reads are not supported over REST`;
  }
  return undefined;
}

/** BLOCK is an option before STREAMS; what follows STREAMS is keys and IDs, which may spell anything. */
function hasBlock(argv: readonly string[]): boolean {
  for (const arg of argv.slice(1)) {
    const upper = arg.toUpperCase();
    if (upper === "STREAMS") return false;
    if (upper === "BLOCK") return true;
  }
  return false;
}
