/**
 * Stream IDs ("<ms>-<seq>") compared and stepped without losing precision:
 * both parts can exceed 2^53, so they are handled as bigints.
 */

const ID = /^(\d+)-(\d+)$/;

export function parseStreamId(id: string): [bigint, bigint] {
  const match = ID.exec(id);
  if (!match) throw new TypeError(`not a stream id: ${JSON.stringify(id)}`);
  return [BigInt(match[1]!), BigInt(match[2]!)];
}

const MAX_PART = 2n ** 64n - 1n;
const LOOSE_ID = /^(\d+)(?:-(\d+))?$/;

/**
 * The one spelling Redis itself uses for an id written as text: Redis reads
 * `05-0`, `5-00`, `005-0` and a bare `5` as the same id `5-0`. Anything that
 * de-duplicates or locks ids must do so on this form. Returns null for text
 * that is not an id, or whose parts do not fit in 64 bits (Redis refuses
 * those with "Invalid stream ID").
 */
export function canonicalStreamId(id: string): string | null {
  const match = LOOSE_ID.exec(id);
  if (!match) return null;
  const ms = BigInt(match[1]!);
  const seq = BigInt(match[2] ?? "0");
  if (ms > MAX_PART || seq > MAX_PART) return null;
  return `${ms}-${seq}`;
}

export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parseStreamId(a);
  const [bm, bs] = parseStreamId(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/** The smallest id greater than `id`: where an exclusive range starts. */
export function nextStreamId(id: string): string {
  const [ms, seq] = parseStreamId(id);
  return seq === MAX_PART ? `${ms + 1n}-0` : `${ms}-${seq + 1n}`;
}

