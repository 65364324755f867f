/**
 * The keys a raw command names, found as Redis finds them: most commands name
 * one key first; some name only keys (`DEL`, `MGET`, …); `XREADGROUP` and
 * `XREAD` name theirs after `STREAMS`; `EVAL`/`EVALSHA` after their key count;
 * `XINFO`/`XGROUP` after their subcommand. Used to route a request to the
 * database holding its keys (routed-transport.ts), so every command the
 * engine, the API and effects send is listed here.
 */
import type { Command } from "./transport.js";

const KEYLESS = new Set(["PING", "INFO", "TIME", "ECHO", "DBSIZE", "SCRIPT", "MULTI", "EXEC"]);
const ALL_KEYS = new Set(["DEL", "UNLINK", "EXISTS", "MGET", "TOUCH"]);
const AFTER_SUBCOMMAND = new Set(["XINFO", "XGROUP"]);

export function commandKeys(command: Command): string[] {
  const [name, ...args] = command;
  const upper = name.toUpperCase();
  const text = args.map(String);
  if (KEYLESS.has(upper)) return [];
  if (ALL_KEYS.has(upper)) return text;
  if (AFTER_SUBCOMMAND.has(upper)) return text.length > 1 ? [text[1]!] : [];
  if (upper === "EVAL" || upper === "EVALSHA") return text.slice(2, 2 + Number(text[1] ?? 0));
  if (upper === "XREADGROUP" || upper === "XREAD") {
    const at = text.findIndex((a) => a.toUpperCase() === "STREAMS");
    if (at < 0) return [];
    const rest = text.slice(at + 1);
    return rest.slice(0, rest.length / 2);
  }
  return text.length > 0 ? [text[0]!] : [];
}
