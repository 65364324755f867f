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
  const maxSeq = 2n ** 64n - 1n;
  return seq === maxSeq ? `${ms + 1n}-0` : `${ms}-${seq + 1n}`;
}

