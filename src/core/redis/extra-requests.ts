/**
 * HTTP requests one transport call cost beyond its own one. A call is
 * counted as one request when it is made (counting-transport.ts), but a
 * coalescer whose merged request was refused whole sends every part again
 * (coalescing-transport.ts): that merged attempt was a subrequest too, and a
 * budget that never hears of it can be passed. The transport marks the
 * outcomes it answers with (or the error it rejects with) with the extra, and
 * the counting wrapper adds it once the call settles.
 */

// Kept beside the value, not on it: outcomes stay plain arrays for every caller that compares them.
const extras = new WeakMap<object, number>();

/** Marks `value` (outcomes or an error) as having cost `extra` more requests; a non-object error is wrapped so the mark survives. */
export function withExtraRequests<T>(value: T, extra: number): T {
  if (extra <= 0) return value;
  const target: object = typeof value === "object" && value !== null ? value : new Error(String(value));
  extras.set(target, (extras.get(target) ?? 0) + extra);
  return target as T;
}

/** The extra requests `value` is marked with; 0 when unmarked. */
export const extraRequests = (value: unknown): number => (typeof value === "object" && value !== null ? (extras.get(value) ?? 0) : 0);
