/**
 * A stream: entries packed into nodes exactly where Redis would cut its
 * listpacks (4096 bytes or 100 entries, counting tombstones), because `~`
 * trimming, XDEL's node removal and XINFO's radix-tree-keys all depend on
 * that packing. Entries deleted inside a node stay as tombstones, as in
 * Redis, until their whole node goes.
 */
import type { ConsumerGroup } from "./group.js";
import { integerElementBytes, LISTPACK_EMPTY_BYTES, stringElementBytes } from "./listpack-size.js";
import { compareIds, MAX_ID, MIN_ID, signed64, type StreamId } from "./stream-id.js";

/** redis.conf defaults: stream-node-max-bytes 4096, stream-node-max-entries 100. */
export const NODE_MAX_BYTES = 4096;
export const NODE_MAX_ENTRIES = 100;

const FLAG_SAMEFIELDS = 2;

export interface StreamEntry {
  readonly id: StreamId;
  /** Field, value, field, value … */
  readonly fields: readonly string[];
}

export interface StreamItem extends StreamEntry {
  deleted: boolean;
}

export interface StreamNode {
  readonly masterId: StreamId;
  readonly masterFields: readonly string[];
  readonly items: StreamItem[];
  live: number;
  deleted: number;
  /** Listpack bytes except the live/deleted counters, whose width varies. */
  fixedBytes: number;
}

export function nodeBytes(node: StreamNode): number {
  return node.fixedBytes + integerElementBytes(node.live) + integerElementBytes(node.deleted);
}

export class Stream {
  readonly nodes: StreamNode[] = [];
  readonly groups = new Map<string, ConsumerGroup>();
  length = 0;
  entriesAdded = 0;
  lastId: StreamId = MIN_ID;
  firstId: StreamId = MIN_ID;
  maxDeletedId: StreamId = MIN_ID;

  /** streamAppendItem; the caller has checked that `id` is above lastId. */
  append(id: StreamId, fields: readonly string[]): void {
    const payloadBytes = fields.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    let node = this.nodes[this.nodes.length - 1];
    if (node && (nodeBytes(node) + payloadBytes >= NODE_MAX_BYTES || node.live + node.deleted >= NODE_MAX_ENTRIES)) {
      node = undefined;
    }
    if (!node) {
      node = newNode(id, fields);
      this.nodes.push(node);
    }
    node.fixedBytes += itemBytes(node, id, fields);
    node.items.push({ id, fields, deleted: false });
    node.live++;
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Marks one live entry deleted; a node whose last live entry goes is dropped. */
  delete(id: StreamId): boolean {
    const found = this.locate(id);
    if (!found) return false;
    const [nodeIndex, itemIndex] = found;
    const node = this.nodes[nodeIndex]!;
    if (node.live === 1) {
      this.nodes.splice(nodeIndex, 1);
    } else {
      node.items[itemIndex]!.deleted = true;
      node.live--;
      node.deleted++;
    }
    this.length--;
    return true;
  }

  get(id: StreamId): StreamEntry | undefined {
    const found = this.locate(id);
    return found ? this.nodes[found[0]]!.items[found[1]] : undefined;
  }

  has(id: StreamId): boolean {
    return this.locate(id) !== undefined;
  }

  /** Live entries with start <= id <= end, ascending or (rev) descending. */
  *range(start: StreamId, end: StreamId, rev = false): Generator<StreamEntry> {
    if (compareIds(start, end) > 0) return;
    if (!rev) {
      const first = this.nodeFor(start);
      for (let n = Math.max(0, first); n < this.nodes.length; n++) {
        const items = this.nodes[n]!.items;
        for (let i = n === first ? lowerBound(items, start) : 0; i < items.length; i++) {
          const item = items[i]!;
          if (compareIds(item.id, end) > 0) return;
          if (!item.deleted) yield item;
        }
      }
      return;
    }
    const last = this.nodeFor(end);
    for (let n = last; n >= 0; n--) {
      const items = this.nodes[n]!.items;
      const top = n === last ? lowerBound(items, end, true) - 1 : items.length - 1;
      for (let i = top; i >= 0; i--) {
        const item = items[i]!;
        if (compareIds(item.id, start) < 0) return;
        if (!item.deleted) yield item;
      }
    }
  }

  firstEntry(): StreamEntry | undefined {
    return this.range(MIN_ID, MAX_ID).next().value ?? undefined;
  }

  lastEntry(): StreamEntry | undefined {
    return this.range(MIN_ID, MAX_ID, true).next().value ?? undefined;
  }

  /** The ID of the last live entry, 0-0 when there is none (streamLastValidID). */
  lastValidId(): StreamId {
    return this.lastEntry()?.id ?? MIN_ID;
  }

  /** Index of the last node whose master ID is <= id, or -1. */
  private nodeFor(id: StreamId): number {
    let low = 0;
    let high = this.nodes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareIds(this.nodes[mid]!.masterId, id) <= 0) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }

  private locate(id: StreamId): [number, number] | undefined {
    const nodeIndex = this.nodeFor(id);
    const items = this.nodes[nodeIndex]?.items;
    if (!items) return undefined;
    const itemIndex = lowerBound(items, id);
    const item = items[itemIndex];
    if (!item || item.deleted || compareIds(item.id, id) !== 0) return undefined;
    return [nodeIndex, itemIndex];
  }
}

/** First index whose ID is >= id (or > id when `after`). */
function lowerBound(items: readonly StreamItem[], id: StreamId, after = false): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const cmp = compareIds(items[mid]!.id, id);
    if (cmp < 0 || (after && cmp === 0)) low = mid + 1;
    else high = mid;
  }
  return low;
}

function fieldNames(fields: readonly string[]): string[] {
  return fields.filter((_, index) => index % 2 === 0);
}

/** A node's master entry: count, deleted, field count, fields, terminator. */
function newNode(masterId: StreamId, fields: readonly string[]): StreamNode {
  const masterFields = fieldNames(fields);
  const fixedBytes =
    LISTPACK_EMPTY_BYTES +
    integerElementBytes(masterFields.length) +
    masterFields.reduce((sum, field) => sum + stringElementBytes(field), 0) +
    integerElementBytes(0);
  return { masterId, masterFields, items: [], live: 0, deleted: 0, fixedBytes };
}

/** One entry: flags, ID deltas, [field count, fields], values, back-count. */
function itemBytes(node: StreamNode, id: StreamId, fields: readonly string[]): number {
  const names = fieldNames(fields);
  const sameFields =
    names.length === node.masterFields.length && names.every((name, index) => name === node.masterFields[index]);
  let bytes =
    integerElementBytes(sameFields ? FLAG_SAMEFIELDS : 0) +
    integerElementBytes(signed64(id.ms - node.masterId.ms)) +
    integerElementBytes(signed64(id.seq - node.masterId.seq));
  if (!sameFields) bytes += integerElementBytes(names.length) + names.reduce((s, n) => s + stringElementBytes(n), 0);
  for (let i = 1; i < fields.length; i += 2) bytes += stringElementBytes(fields[i]!);
  const elements = names.length + 3 + (sameFields ? 0 : names.length + 1);
  return bytes + integerElementBytes(elements);
}
