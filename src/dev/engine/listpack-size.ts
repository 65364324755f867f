/**
 * Byte sizes of Redis listpack elements. Redis packs stream entries into
 * listpacks ("nodes") of at most 4096 bytes or 100 entries, and `~` trimming
 * removes whole nodes only; so to trim like Redis we must know where Redis
 * would have cut the nodes, which needs the exact encoded sizes (listpack.c:
 * lpEncodeGetType, lpEncodeBacklen).
 */

/** `lpNew`: 4 bytes total size + 2 bytes count + 1 end byte. */
export const LISTPACK_EMPTY_BYTES = 7;

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const INTEGER_STRING = /^(0|-?[1-9][0-9]*)$/;

function intEncodingBytes(value: bigint): number {
  if (value >= 0n && value <= 127n) return 1;
  if (value >= -4096n && value <= 4095n) return 2;
  if (value >= -32768n && value <= 32767n) return 3;
  if (value >= -8388608n && value <= 8388607n) return 4;
  if (value >= -2147483648n && value <= 2147483647n) return 5;
  return 9;
}

/** Bytes of the trailing back-length field for an element of `encoded` bytes. */
function backlenBytes(encoded: number): number {
  if (encoded <= 127) return 1;
  if (encoded < 16383) return 2;
  if (encoded < 2097151) return 3;
  if (encoded < 268435455) return 4;
  return 5;
}

function withBacklen(encoded: number): number {
  return encoded + backlenBytes(encoded);
}

export function integerElementBytes(value: bigint | number): number {
  return withBacklen(intEncodingBytes(BigInt(value)));
}

/** A string element; listpacks store integer-looking strings as integers. */
export function stringElementBytes(text: string): number {
  if (text.length < 21 && INTEGER_STRING.test(text)) {
    const value = BigInt(text);
    if (value >= I64_MIN && value <= I64_MAX) return integerElementBytes(value);
  }
  const size = Buffer.byteLength(text);
  if (size < 64) return withBacklen(1 + size);
  if (size < 4096) return withBacklen(2 + size);
  return withBacklen(5 + size);
}
