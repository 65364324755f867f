/**
 * Lua scripts that run unchanged on Redis 7 and Upstash (and the embedded
 * engine's Lua VM). Upstash runs a script under a global lock unless its
 * first line is `#!lua flags=allow-key-locking`, and then the script must
 * name every key it touches in KEYS (each of ours does). Redis 7.0 refuses
 * shebang flags it does not know, so a store that refuses the flag gets the
 * plain script, remembered for the isolate's life. A refused script never
 * ran, so sending it again is safe.
 *
 * Portable between Lua 5.1 (Redis) and 5.4: no `goto`, no `//`, no bit
 * operators, integers only in replies, `unpack` looked up in both places.
 */

const KEY_LOCKING = "#!lua flags=allow-key-locking\n";

let shebangRefused = false;

/** The text to send: with the key-locking flag unless this store refused it. */
export const scriptText = (body: string): string => (shebangRefused ? body : `${KEY_LOCKING}${body}`);

/**
 * True (and remembered) when `error` is a store refusing the flag: send the
 * script again, plain. Also for a script built before another call learned
 * it (concurrent runs in one isolate): the plain text cannot be refused so.
 */
export function refusedShebang(error: string): boolean {
  if (!/shebang/i.test(error)) return false;
  shebangRefused = true;
  return true;
}

/** `unpack` is global in Lua 5.1 and `table.unpack` in 5.4. */
export const UNPACK = "local unpack = unpack or table.unpack\n";

/** Lua's `unpack` stops near 8,000 values, and one message's fields are unpacked into one XADD. */
export const MAX_SCRIPT_FIELDS = 3_000;
