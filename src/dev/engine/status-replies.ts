/**
 * Which string replies Redis sends as status (`+OK`) rather than bulk
 * strings. The Reply type carries no such tag, so it is decided from the
 * command: the RESP server encodes by it, and a script sees a status as a
 * table with an `ok` field, as Redis converts it.
 */

/** node-redis reads both as strings, but a status is what Redis sends. */
export function isStatus(name: string, argv: readonly string[], value: string): boolean {
  if (/[\r\n]/.test(value)) return false;
  switch (name) {
    case "ping":
      return argv.length === 1;
    case "set":
      // SET … GET answers the old value, a bulk string.
      return !argv.slice(3).some((arg) => arg.toLowerCase() === "get");
    case "flushdb":
    case "flushall":
    case "type":
    case "ltrim":
      return true;
    case "xgroup": {
      const sub = (argv[1] ?? "").toLowerCase();
      return sub === "create" || sub === "setid";
    }
    case "script":
      return (argv[1] ?? "").toLowerCase() === "flush";
    default:
      return false;
  }
}
