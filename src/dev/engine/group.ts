/**
 * Consumer groups: the group PEL and each consumer's PEL share NACK records,
 * as in Redis, so moving an entry between consumers keeps its delivery time
 * and count in one place.
 */
import { SortedIdMap } from "./sorted-ids.js";
import type { StreamId } from "./stream-id.js";

/** Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const ENTRIES_READ_UNKNOWN = -1;

export interface Nack {
  /** null only transiently, for a NACK XCLAIM FORCE has just made. */
  consumer: Consumer | null;
  deliveryTime: number;
  deliveryCount: number;
}

export class Consumer {
  readonly pel = new SortedIdMap<Nack>();
  constructor(
    readonly name: string,
    /** Last time the consumer was named by XREADGROUP, XCLAIM or XAUTOCLAIM (ms). */
    public seenTime: number,
  ) {}
}

export class ConsumerGroup {
  readonly pel = new SortedIdMap<Nack>();
  readonly consumers = new Map<string, Consumer>();
  constructor(
    readonly name: string,
    public lastId: StreamId,
    public entriesRead: number,
  ) {}

  /** streamLookupConsumer: refreshing marks the consumer as seen now. */
  lookupConsumer(name: string, refreshAt?: number): Consumer | undefined {
    const consumer = this.consumers.get(name);
    if (consumer && refreshAt !== undefined) consumer.seenTime = refreshAt;
    return consumer;
  }

  /** Looks up (refreshing) or creates a consumer. */
  consumer(name: string, now: number): Consumer {
    const existing = this.lookupConsumer(name, now);
    if (existing) return existing;
    const created = new Consumer(name, now);
    this.consumers.set(name, created);
    return created;
  }

  /** Drops a PEL entry from the group and from its owner. */
  dropNack(id: StreamId): boolean {
    const nack = this.pel.get(id);
    if (!nack) return false;
    this.pel.delete(id);
    nack.consumer?.pel.delete(id);
    return true;
  }

  /** Gives an existing NACK to `consumer`, leaving its counters to the caller. */
  assign(id: StreamId, nack: Nack, consumer: Consumer): void {
    if (nack.consumer === consumer) return;
    nack.consumer?.pel.delete(id);
    nack.consumer = consumer;
    consumer.pel.set(id, nack);
  }

  /** XGROUP DELCONSUMER: the consumer's pending entries leave the group PEL too. */
  deleteConsumer(consumer: Consumer): number {
    const pending = consumer.pel.size;
    for (const [id] of consumer.pel.entries()) this.pel.delete(id);
    this.consumers.delete(consumer.name);
    return pending;
  }
}

/** Names in rax order: byte-wise, which differs from JS string order beyond the BMP. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function sortedByName<T extends { name: string }>(values: Iterable<T>): T[] {
  return [...values].sort((a, b) => byteOrder(a.name, b.name));
}
