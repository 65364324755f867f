/**
 * A map from stream ID to value, kept in ID order: the shape of Redis's rax
 * PELs. Binary search over a sorted key array; inserts are almost always
 * appends, because deliveries happen in ID order.
 */
import { compareIds, formatId, type StreamId } from "./stream-id.js";

export class SortedIdMap<V> {
  private readonly ids: StreamId[] = [];
  private readonly values = new Map<string, V>();

  get size(): number {
    return this.ids.length;
  }

  get(id: StreamId): V | undefined {
    return this.values.get(formatId(id));
  }

  has(id: StreamId): boolean {
    return this.values.has(formatId(id));
  }

  set(id: StreamId, value: V): void {
    const key = formatId(id);
    if (!this.values.has(key)) this.ids.splice(this.lowerBound(id), 0, id);
    this.values.set(key, value);
  }

  delete(id: StreamId): boolean {
    const key = formatId(id);
    if (!this.values.delete(key)) return false;
    this.ids.splice(this.lowerBound(id), 1);
    return true;
  }

  /** Index of the first ID >= `id` (size when there is none). */
  lowerBound(id: StreamId): number {
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareIds(this.ids[mid]!, id) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  idAt(index: number): StreamId | undefined {
    return this.ids[index];
  }

  first(): StreamId | undefined {
    return this.ids[0];
  }

  last(): StreamId | undefined {
    return this.ids[this.ids.length - 1];
  }

  /** Entries with from <= id, in order; a snapshot, so callers may delete while iterating. */
  *from(from: StreamId): Generator<[StreamId, V]> {
    const ids = this.ids.slice(this.lowerBound(from));
    for (const id of ids) {
      const value = this.values.get(formatId(id));
      if (value !== undefined) yield [id, value];
    }
  }

  *entries(): Generator<[StreamId, V]> {
    for (const id of [...this.ids]) yield [id, this.values.get(formatId(id))!];
  }
}
