/**
 * Argument parsing with Redis's own strictness and error texts: integers as
 * string2ll reads them (no spaces, no "+", no leading zeros), options
 * compared case-insensitively in ASCII only, as strcasecmp does.
 */
import { fail, NOT_INTEGER } from "./errors.js";

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const INTEGER = /^(0|-?[1-9][0-9]*)$/;

/** A 64-bit signed integer, or a `message` error (default: "value is not an integer …"). */
export function parseBigInt(text: string, message = NOT_INTEGER): bigint {
  if (text.length >= 21 || !INTEGER.test(text)) fail(message);
  const value = BigInt(text);
  if (value < I64_MIN || value > I64_MAX) fail(message);
  return value;
}

/** parseBigInt as a number: counts and milliseconds, where 2^53 is plenty. */
export function parseInteger(text: string, message = NOT_INTEGER): number {
  return Number(parseBigInt(text, message));
}

/** Whether `value` is a 64-bit integer in Redis's canonical form (INCR, HINCRBY). */
export function isCanonicalInteger(value: string): boolean {
  if (value.length >= 21 || !INTEGER.test(value)) return false;
  const parsed = BigInt(value);
  return parsed >= I64_MIN && parsed <= I64_MAX;
}

export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/** strcasecmp(arg, name) == 0, with `name` given in lower case. */
export function isOption(arg: string | undefined, name: string): boolean {
  return arg !== undefined && arg.length === name.length && asciiLower(arg) === name;
}

export { I64_MAX, I64_MIN };
