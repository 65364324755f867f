/**
 * Ordered consumption's memory of which keys are held back: for each message
 * key, the pending ids of that key oldest first (the head is the one that
 * must settle before any other of its key may be handled), and when the head
 * is next due. Only the run holding the lease (lease.ts) reads or writes it,
 * and every change rides in the MULTI/EXEC that acknowledges, retries or parks
 * the messages it is about, so it always agrees with the group's PEL. A
 * leftover (a head acknowledged by a commit whose last part was lost) is
 * healed by the next run's start script, which drops heads no longer pending.
 *
 * Stored value: `<dueAt ms> <id> <id> …`, plain text, so the Lua start script
 * can read it without cjson.
 */
import { orderedHeldKey } from "../../redis/keys.js";
import type { Command } from "../../redis/transport.js";
import { compareStreamIds } from "../../redis/stream-id.js";

export interface HeldKey {
  /** Unix ms at which the head becomes due again. */
  dueAt: number;
  /** Pending ids of this key, oldest first. */
  ids: string[];
}

export class Held {
  readonly #keys = new Map<string, HeldKey>();
  readonly #dirty = new Set<string>();

  /** From the start script's HGETALL reply: field, value, field, value … */
  static parse(flat: readonly string[]): Held {
    const held = new Held();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [due, ...ids] = flat[i + 1]!.split(" ").filter((x) => x !== "");
      if (ids.length > 0) held.#keys.set(flat[i]!, { dueAt: Number(due) || 0, ids });
    }
    return held;
  }

  get(key: string): HeldKey | undefined {
    return this.#keys.get(key);
  }

  /** True when `id` may be handled now: nothing of its key is held, or it is the head. */
  mayHandle(key: string, id: string): boolean {
    const h = this.#keys.get(key);
    return h === undefined || h.ids[0] === id;
  }

  /** `id` stays pending and holds back later ids of its key; the head is due at `dueAt`. */
  hold(key: string, id: string, dueAt: number): void {
    const h = this.#keys.get(key) ?? { dueAt, ids: [] };
    if (!h.ids.includes(id)) {
      h.ids.push(id);
      h.ids.sort(compareStreamIds);
    }
    if (h.ids[0] === id) h.dueAt = dueAt;
    this.#keys.set(key, h);
    this.#dirty.add(key);
  }

  /** `id` was acknowledged or dead-lettered: the next of its key becomes the head. */
  settle(key: string, id: string): void {
    const h = this.#keys.get(key);
    if (!h || !h.ids.includes(id)) return;
    h.ids = h.ids.filter((x) => x !== id);
    if (h.ids.length === 0) this.#keys.delete(key);
    this.#dirty.add(key);
  }

  /** Settles `id` under whichever key holds it (entries trimmed or dead-lettered on reclaim, whose key is unknown). */
  settleId(id: string): void {
    for (const [key, h] of this.#keys) if (h.ids.includes(id)) this.settle(key, id);
  }

  /** HSET/HDEL for every key changed since the last call, to ride in the commit that made the change. */
  takeCommands(stream: string, group: string): Command[] {
    const hash = orderedHeldKey(stream, group);
    const set: string[] = [];
    const del: string[] = [];
    for (const key of this.#dirty) {
      const h = this.#keys.get(key);
      if (h) set.push(key, `${Math.round(h.dueAt)} ${h.ids.join(" ")}`);
      else del.push(key);
    }
    this.#dirty.clear();
    const commands: Command[] = [];
    if (set.length > 0) commands.push(["HSET", hash, ...set]);
    if (del.length > 0) commands.push(["HDEL", hash, ...del]);
    return commands;
  }
}
