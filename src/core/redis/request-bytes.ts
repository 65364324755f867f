/**
 * How many bytes commands take on the wire. The client sends a request as
 * `JSON.stringify` of its command arrays, and Upstash (and the bridge) cap
 * the body in bytes, so sizes are measured exactly that way: UTF-8 bytes of
 * the JSON text. Escaping matters: a dead letter holds its original fields
 * as JSON, which the request escapes again, so a control character in a
 * payload takes 7 bytes by the time it is sent.
 */
import type { Command } from "./transport.js";

/** Room kept in the request that also carries the next fetch, the gate and the run report. */
export const TAIL_BYTES = 16 * 1024;
/** Room kept beside one message's own commands in a part: its id in the XACK, the XACK itself. */
const UNIT_HEADROOM_BYTES = 8 * 1024;

/** The bytes a commit part may take: `maxRequestBytes`, less the tail any request may carry. */
export const partBytes = (maxRequestBytes: number): number => maxRequestBytes - TAIL_BYTES;

/** The most one message's commands (its effects, or its dead letter) may take. */
export const messageBytes = (maxRequestBytes: number): number => partBytes(maxRequestBytes) - UNIT_HEADROOM_BYTES;

/**
 * UTF-8 bytes of `JSON.stringify(commands)`: what these commands add to a
 * request body. Counted by scanning, not by stringifying: V8 escapes control
 * characters slowly, and a commit is measured more than once.
 */
export function commandsBytes(commands: readonly Command[]): number {
  let bytes = 2 + Math.max(0, commands.length - 1);
  for (const command of commands) {
    bytes += 2 + command.length - 1;
    for (const arg of command) bytes += typeof arg === "string" ? jsonStringBytes(arg) : JSON.stringify(arg).length;
  }
  return bytes;
}

/**
 * Whether `commands` take at most `limit` bytes: at once when even their
 * most escaped size does (6 bytes a code unit, 24 a number), which is every
 * usual commit, else by counting (`commandsBytes`). A commit is checked
 * every batch, and counting scans each of its ids character by character.
 */
export function fitsWithin(commands: readonly Command[], limit: number): boolean {
  let most = 2 + commands.length;
  for (const command of commands) {
    most += 2 + command.length;
    for (const arg of command) most += typeof arg === "string" ? 2 + 6 * arg.length : 24;
  }
  return most <= limit || commandsBytes(commands) <= limit;
}

/** Bytes of `JSON.stringify(text)` in UTF-8, quotes included. */
function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) bytes += 2;
    else if (c < 0x20) bytes += 6;
    else if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdfff) bytes += surrogateBytes(text, i);
    else bytes += 3;
  }
  return bytes;
}

/** A well-formed pair is 4 bytes (2 per code unit); a lone surrogate is escaped as `\uXXXX`. */
function surrogateBytes(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const pairsWith = (j: number, lo: number, hi: number) => j >= 0 && j < text.length && text.charCodeAt(j) >= lo && text.charCodeAt(j) <= hi;
  const paired = c <= 0xdbff ? pairsWith(i + 1, 0xdc00, 0xdfff) : pairsWith(i - 1, 0xd800, 0xdbff);
  return paired ? 2 : 6;
}
