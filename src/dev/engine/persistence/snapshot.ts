/**
 * The keyspace as JSON lines: a header, then one line per key. Streams keep
 * their node packing and tombstones, so that `~` trimming after a restart
 * cuts exactly where it would have without one.
 */
import { ConsumerGroup, type Nack } from "../group.js";
import { typeOf, type Keyspace, type Value } from "../keyspace.js";
import { SortedSet } from "../sorted-set.js";
import { Stream, type StreamNode } from "../stream.js";
import { formatId, type StreamId } from "../stream-id.js";

export const SNAPSHOT_VERSION = 1;

export interface SnapshotHeader {
  version: number;
  /** The log generation that continues this snapshot. */
  generation: number;
  /** The engine clock when it was taken: the clock never runs back past it. */
  clock: number;
}

type Pel = [id: string, consumer: string, deliveryTime: number, deliveryCount: number][];

interface StoredGroup {
  name: string;
  last: string;
  read: number;
  consumers: [name: string, seenTime: number][];
  pel: Pel;
}

interface StoredNode {
  master: string;
  fields: string[];
  live: number;
  deleted: number;
  bytes: number;
  /** [id, deleted ? 1 : 0, field, value, …] */
  items: (string | number)[][];
}

interface StoredStream {
  last: string;
  first: string;
  maxDeleted: string;
  added: number;
  length: number;
  nodes: StoredNode[];
  groups: StoredGroup[];
}

type StoredValue =
  | { t: "string"; v: string }
  | { t: "hash"; v: [string, string][] }
  /** Scores as text: JSON has no Infinity. */
  | { t: "zset"; v: [string, string][] }
  | { t: "list"; v: string[] }
  | { t: "stream"; v: StoredStream };

type StoredKey = StoredValue & { k: string; x: number | null };

function decodeId(text: string): StreamId {
  const dash = text.indexOf("-");
  return { ms: BigInt(text.slice(0, dash)), seq: BigInt(text.slice(dash + 1)) };
}

function encodeStream(stream: Stream): StoredStream {
  return {
    last: formatId(stream.lastId),
    first: formatId(stream.firstId),
    maxDeleted: formatId(stream.maxDeletedId),
    added: stream.entriesAdded,
    length: stream.length,
    nodes: stream.nodes.map((node) => ({
      master: formatId(node.masterId),
      fields: [...node.masterFields],
      live: node.live,
      deleted: node.deleted,
      bytes: node.fixedBytes,
      items: node.items.map((item) => [formatId(item.id), item.deleted ? 1 : 0, ...item.fields]),
    })),
    groups: [...stream.groups.values()].map((group) => ({
      name: group.name,
      last: formatId(group.lastId),
      read: group.entriesRead,
      consumers: [...group.consumers.values()].map((consumer): [string, number] => [consumer.name, consumer.seenTime]),
      pel: [...group.pel.entries()].map(([id, nack]): Pel[number] => [
        formatId(id),
        nack.consumer!.name,
        nack.deliveryTime,
        nack.deliveryCount,
      ]),
    })),
  };
}

function decodeStream(stored: StoredStream): Stream {
  const stream = new Stream();
  stream.lastId = decodeId(stored.last);
  stream.firstId = decodeId(stored.first);
  stream.maxDeletedId = decodeId(stored.maxDeleted);
  stream.entriesAdded = stored.added;
  stream.length = stored.length;
  for (const node of stored.nodes) {
    const restored: StreamNode = {
      masterId: decodeId(node.master),
      masterFields: node.fields,
      live: node.live,
      deleted: node.deleted,
      fixedBytes: node.bytes,
      items: node.items.map(([id, deleted, ...fields]) => ({
        id: decodeId(String(id)),
        deleted: deleted === 1,
        fields: fields.map(String),
      })),
    };
    stream.nodes.push(restored);
  }
  for (const storedGroup of stored.groups) {
    const group = new ConsumerGroup(storedGroup.name, decodeId(storedGroup.last), storedGroup.read);
    for (const [name, seenTime] of storedGroup.consumers) group.consumer(name, seenTime);
    for (const [id, owner, deliveryTime, deliveryCount] of storedGroup.pel) {
      const consumer = group.consumers.get(owner)!;
      const nack: Nack = { consumer, deliveryTime, deliveryCount };
      group.pel.set(decodeId(id), nack);
      consumer.pel.set(decodeId(id), nack);
    }
    stream.groups.set(group.name, group);
  }
  return stream;
}

function encodeValue(value: Value): StoredValue {
  switch (typeOf(value)) {
    case "string":
      return { t: "string", v: value as string };
    case "hash":
      return { t: "hash", v: [...(value as Map<string, string>)] };
    case "zset":
      return { t: "zset", v: [...(value as SortedSet).scores].map(([member, score]) => [member, String(score)]) };
    case "list":
      return { t: "list", v: [...(value as string[])] };
    case "stream":
      return { t: "stream", v: encodeStream(value as Stream) };
  }
}

function decodeValue(stored: StoredValue): Value {
  switch (stored.t) {
    case "string":
      return stored.v;
    case "hash":
      return new Map(stored.v);
    case "zset": {
      const set = new SortedSet();
      for (const [member, score] of stored.v) set.scores.set(member, Number(score));
      return set;
    }
    case "list":
      return stored.v;
    case "stream":
      return decodeStream(stored.v);
  }
}

/** Lines to write, header first; a generator so a large keyspace is never one string. */
export function* encodeSnapshot(db: Keyspace, header: SnapshotHeader): Generator<string> {
  yield `${JSON.stringify(header)}\n`;
  for (const [key, value, expiresAt] of db.entries()) {
    const stored: StoredKey = { k: key, x: expiresAt, ...encodeValue(value) };
    yield `${JSON.stringify(stored)}\n`;
  }
}

/** Loads a snapshot's lines into `db` and returns its header. */
export function decodeSnapshot(text: string, db: Keyspace): SnapshotHeader {
  const lines = text.split("\n").filter((line) => line.length > 0);
  const header = JSON.parse(lines[0] ?? "null") as SnapshotHeader | null;
  if (!header || header.version !== SNAPSHOT_VERSION) {
    throw new Error(`unsupported snapshot version ${header?.version ?? "(none)"}`);
  }
  for (const line of lines.slice(1)) {
    const stored = JSON.parse(line) as StoredKey;
    db.set(stored.k, decodeValue(stored));
    db.setExpiry(stored.k, stored.x);
  }
  return header;
}
