/**
 * How values cross between the engine and the Lua VM: one string each way,
 * parsed on the other side (the Lua half is in prelude.ts). wasmoon passes
 * strings through C, so a NUL would cut them, and its table conversion knows
 * nothing of Redis's rules; a string in this format has no NUL and says
 * exactly which Redis type each value is.
 *
 * A value is a tag, a payload and "\x02": `$` bulk, `+` status, `-` error,
 * `:` integer, `_` nil, `*n` an array whose n items follow. Payloads escape
 * \x00 as \x01\x04, \x01 as \x01\x01 and \x02 as \x01\x03.
 */
import type { Outcome, Reply } from "../../bridge/backend.js";

const END = "\x02";
const ESCAPES: Record<string, string> = { "\x00": "\x01\x04", "\x01": "\x01\x01", "\x02": "\x01\x03" };
const UNESCAPES: Record<string, string> = { "\x04": "\x00", "\x01": "\x01", "\x03": "\x02" };

export const escape = (text: string): string => text.replace(/[\x00-\x02]/g, (c) => ESCAPES[c]!);
export const unescape = (text: string): string => text.replace(/\x01([\x01\x03\x04])/g, (_, c: string) => UNESCAPES[c]!);

/** Command arguments, or KEYS and ARGV: an array of bulk strings. */
export function encodeStrings(items: readonly string[]): string {
  return `*${items.length}${END}${items.map((item) => `$${escape(item)}${END}`).join("")}`;
}

/**
 * A command's outcome, for `redis.call`. `status` says whether a top-level
 * string is a status reply (a script sees it as `{ ok = … }`).
 */
export function encodeOutcome(outcome: Outcome, status: boolean): string {
  if ("error" in outcome) return `-${escape(outcome.error)}${END}`;
  return encodeReply(outcome.result, status);
}

function encodeReply(reply: Reply, status: boolean): string {
  if (reply === null) return `_${END}`;
  if (typeof reply === "number") return `:${Math.trunc(reply)}${END}`;
  if (typeof reply === "string") return `${status ? "+" : "$"}${escape(reply)}${END}`;
  return `*${reply.length}${END}${reply.map((item) => encodeReply(item, false)).join("")}`;
}

/**
 * A script's result. The Reply type has no status or nested error: a status
 * becomes its string (as the REST protocol carries it anyway), and an error
 * inside an array becomes its message.
 */
export function decodeOutcome(text: string): Outcome {
  const tokens = text.split(END);
  let at = 0;
  const node = (): Reply | { error: string } => {
    const token = tokens[at++] ?? "";
    const tag = token[0];
    const payload = token.slice(1);
    if (tag === "$" || tag === "+") return unescape(payload);
    if (tag === "-") return { error: unescape(payload) };
    if (tag === ":") return Number(payload);
    if (tag === "*") {
      return Array.from({ length: Number(payload) }, () => {
        const item = node();
        return item !== null && typeof item === "object" && "error" in item ? item.error : item;
      });
    }
    return null;
  };
  const value = node();
  return value !== null && typeof value === "object" && "error" in value ? value : { result: value };
}

/** The inverse of encodeStrings, for the arguments of `redis.call`. */
export function decodeStrings(text: string): string[] {
  const tokens = text.split(END);
  return tokens.slice(1, 1 + Number(tokens[0]!.slice(1))).map((token) => unescape(token.slice(1)));
}
