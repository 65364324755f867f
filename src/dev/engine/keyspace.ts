/**
 * The keyspace: values with optional expiry. Expired keys are invisible to
 * every read, exactly as if Redis's expiry had already removed them; they
 * are dropped lazily. The engine sets `now` before each command, so expiry
 * replays deterministically from the log.
 */
import { fail, WRONGTYPE } from "./errors.js";
import { SortedSet } from "./sorted-set.js";
import { Stream } from "./stream.js";

export type Value = string | Map<string, string> | string[] | Stream | SortedSet;
export type TypeName = "string" | "hash" | "list" | "stream" | "zset";

interface Slot {
  value: Value;
  /** Absolute unix ms, or null for no expiry. */
  expiresAt: number | null;
}

export function typeOf(value: Value): TypeName {
  if (typeof value === "string") return "string";
  if (value instanceof Map) return "hash";
  if (value instanceof Stream) return "stream";
  if (value instanceof SortedSet) return "zset";
  return "list";
}

export class Keyspace {
  now = 0;
  private readonly slots = new Map<string, Slot>();

  private slot(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot && slot.expiresAt !== null && slot.expiresAt <= this.now) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  lookup(key: string): Value | undefined {
    return this.slot(key)?.value;
  }

  has(key: string): boolean {
    return this.slot(key) !== undefined;
  }

  /** The value if it has `type`; WRONGTYPE if another type; undefined if missing. */
  get(key: string, type: "string"): string | undefined;
  get(key: string, type: "hash"): Map<string, string> | undefined;
  get(key: string, type: "list"): string[] | undefined;
  get(key: string, type: "stream"): Stream | undefined;
  get(key: string, type: "zset"): SortedSet | undefined;
  get(key: string, type: TypeName): Value | undefined {
    const value = this.lookup(key);
    if (value !== undefined && typeOf(value) !== type) fail(WRONGTYPE);
    return value;
  }

  /** Stores a value; a new value drops any expiry unless `keepTtl`. */
  set(key: string, value: Value, keepTtl = false): void {
    const expiresAt = keepTtl ? (this.slot(key)?.expiresAt ?? null) : null;
    this.slots.set(key, { value, expiresAt });
  }

  delete(key: string): boolean {
    return this.slot(key) !== undefined && this.slots.delete(key);
  }

  /** Absolute expiry in ms, null for none, undefined for a missing key. */
  expiresAt(key: string): number | null | undefined {
    return this.slot(key)?.expiresAt;
  }

  setExpiry(key: string, expiresAt: number | null): void {
    const slot = this.slot(key);
    if (slot) slot.expiresAt = expiresAt;
  }

  *entries(): Generator<[string, Value, number | null]> {
    for (const key of [...this.slots.keys()]) {
      const slot = this.slot(key);
      if (slot) yield [key, slot.value, slot.expiresAt];
    }
  }

  get size(): number {
    let live = 0;
    for (const _ of this.entries()) live++;
    return live;
  }

  clear(): void {
    this.slots.clear();
  }
}
