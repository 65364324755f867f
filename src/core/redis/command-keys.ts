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
  if (upper === "XREADGROUP" || upper === "XREAD") return streamsKeys(upper, text);
  return text.length > 0 ? [text[0]!] : [];
}

/** Options of `XREAD`/`XREADGROUP` before `STREAMS`, with how many arguments each takes. */
const READ_OPTIONS: Record<string, number> = { COUNT: 1, BLOCK: 1, NOACK: 0 };

/**
 * The keys after `STREAMS`, found by walking the options in place: a group or
 * consumer may itself be named "streams", so searching for the word would
 * take it for the keyword.
 */
function streamsKeys(name: string, args: readonly string[]): string[] {
  let at = name === "XREADGROUP" && args[0]?.toUpperCase() === "GROUP" ? 3 : 0;
  while (at < args.length && args[at]!.toUpperCase() !== "STREAMS") {
    const skip = READ_OPTIONS[args[at]!.toUpperCase()];
    if (skip === undefined) return [];
    at += 1 + skip;
  }
  const rest = args.slice(at + 1);
  return rest.slice(0, rest.length / 2);
}
