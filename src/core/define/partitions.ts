/**
 * Partitioned logical queues: one logical stream spread over `count`
 * partition streams, each message routed by the value of one field (its
 * key), so one key always lands in one partition and keeps its order there.
 *
 * A partition stream is named `{<logical>:p<i>}`: the braces make the whole
 * name a hash tag, so a Redis cluster keeps the partition and every key
 * derived from it (`keys.ts` keeps a tagged stream's tag) in one slot, and
 * different partitions in different slots. Partition `i` lives in database
 * `i % databases` (0 is `UPSTASH_REDIS_REST_URL`, `j` is
 * `UPSTASH_REDIS_REST_URL_<j>`), so every key of a partition, its acks and
 * its effects are in one database and commit in one transaction there.
 *
 * Changing `count` or `databases` moves keys to other partitions: drain the
 * queue first. The routing hash is FNV-1a (32 bit) over the key's UTF-8
 * bytes, stable across runtimes and releases.
 */
import { ConfigError } from "../redis/errors.js";
import { streamOfKey } from "../redis/keys.js";

export interface Partitions {
  /** Partition streams. */
  count: number;
  /** The field whose value routes a message; a message without it is refused. */
  key: string;
  /** Databases the partitions are spread over: partition i lives in database i % databases. @default 1 */
  databases?: number;
}

export const MAX_PARTITIONS = 256;
/** Databases beyond the default pair: `UPSTASH_REDIS_REST_URL_1` … `_15`. */
export const MAX_DATABASES = 16;

const utf8 = new TextEncoder();

/** FNV-1a, 32 bit, over UTF-8 bytes. */
export function fnv1a(value: string): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(value)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The partition a key routes to. */
export const partitionOfKey = (key: string, count: number): number => fnv1a(key) % count;

export const partitionStream = (logical: string, index: number): string => `{${logical}:p${index}}`;

/** The database partition `index` lives in. */
export const databaseOfPartition = (index: number, p: Partitions): number => index % (p.databases ?? 1);

/** The member function consuming partition `index` of function `name`. */
export const memberName = (name: string, index: number): string => `${name}-p${index}`;

const PARTITION_TAG = /^(.+):p(\d+)$/;
/**
 * The logical stream and partition of a key of a partition stream: a tag
 * `{<logical>:p<i>}` that OPENS its stream part (keys.ts `streamOfKey`). So
 * `{orders:p3}:cronsumer-gate` and `cronsumer:idem:11:{orders:p3}:k` are both
 * partition 3 of `orders`, while braces in user text elsewhere
 * (`cronsumer:idem:6:events:x{orders:p1}`, an Idempotency-Key of stream
 * `events`) name no partition: taking the first `{…}` anywhere, as Redis
 * Cluster does, would send that record to another database.
 */
export function parsePartitionKey(key: string): { logical: string; index: number } | undefined {
  const stream = streamOfKey(key);
  if (stream === undefined || !stream.startsWith("{")) return undefined;
  const close = stream.indexOf("}");
  if (close <= 1) return undefined;
  const m = PARTITION_TAG.exec(stream.slice(1, close));
  return m ? { logical: m[1]!, index: Number(m[2]) } : undefined;
}

/** Throws `ConfigError` naming what is wrong; answers the spec with `databases` filled in. */
export function validatePartitions(where: string, logical: string, p: Partitions): Required<Partitions> {
  if (typeof p !== "object" || p === null) throw new ConfigError(`${where}: \`partitions\` must be an object { count, key, databases? }`);
  if (!Number.isInteger(p.count) || p.count < 1 || p.count > MAX_PARTITIONS) {
    throw new ConfigError(`${where}: \`partitions.count\` must be an integer from 1 to ${MAX_PARTITIONS}; got ${JSON.stringify(p.count)}`);
  }
  if (typeof p.key !== "string" || p.key.length === 0) throw new ConfigError(`${where}: \`partitions.key\` must be a non-empty field name`);
  const databases = p.databases ?? 1;
  if (!Number.isInteger(databases) || databases < 1 || databases > Math.min(p.count, MAX_DATABASES)) {
    throw new ConfigError(`${where}: \`partitions.databases\` must be an integer from 1 to ${Math.min(p.count, MAX_DATABASES)} (at most one per partition); got ${JSON.stringify(p.databases)}`);
  }
  if (/[{}]/.test(logical)) throw new ConfigError(`${where}: a partitioned stream's name may not contain braces (its partitions are hash-tagged); got ${JSON.stringify(logical)}`);
  return { count: p.count, key: p.key, databases };
}

/** Where one message goes, or why it cannot be routed. */
export function routeFields(fields: Readonly<Record<string, string>>, logical: string, p: Partitions): { index: number; stream: string } | { missing: string } {
  const value = fields[p.key];
  if (typeof value !== "string") return { missing: p.key };
  const index = partitionOfKey(value, p.count);
  return { index, stream: partitionStream(logical, index) };
}
