/**
 * `keyConcurrency: { field, max }`: at most `max` messages with the same
 * value of `field` handled at once, across all runs. Each value has a hash of
 * leases (field = message id, value = the unix ms it expires at, one
 * visibility timeout ahead, so a crashed run's leases lapse on their own).
 *
 * Before a batch is handled, one MULTI writes a lease for each keyed message
 * (`HSET`) and reads every lease of its keys (`HGETALL`). Leases of other
 * messages still live at that instant are counted first; this batch takes
 * what is left, in order. A later run's snapshot sees this batch's leases
 * (even those it gives up, until its commit deletes them), so holders never
 * exceed `max`: the last to take a lease saw every other holder.
 *
 * A message that gets no lease is held back: put back at once, uncharged
 * (`XCLAIM … RETRYCOUNT <deliveries before>`), for a later recovery pass. Its
 * leases, held or not, are deleted (`HDEL`) in the request that commits the
 * batch. Cost: one request per batch with keyed messages, of 2 commands per
 * key (+1 per message), and one `HDEL` per key in the commit.
 */
import type { Delivered } from "../define/define.js";
import type { Op } from "../redis/ops.js";
import { op } from "../redis/ops.js";
import type { KeyConcurrency } from "../define/options.js";
import { sendTransaction } from "../redis/ops.js";
import type { Target } from "../define/target.js";
import type { Transport } from "../redis/transport.js";

/** The leases of one key value of a function. */
export const leaseKey = (stream: string, group: string, value: string): string =>
  stream.includes("{") ? `${stream}:cronsumer-key:${group}:${value}` : `{${stream}}:cronsumer-key:${group}:${value}`;

/**
 * A lease's field: the message id, named with its lane's stream when it is
 * not the function's own (lanes.ts): two lanes' entries may share an id, and
 * one field for both would count two holders as one.
 */
const holder = (stream: string, m: Pick<Delivered, "id" | "stream">): string => (m.stream === stream ? m.id : `${m.stream} ${m.id}`);

/** How long a held-back message waits before a recovery pass may take it again. */
export const HELD_BACK_DELAY_MS = 1_000;

export interface Leased {
  toHandle: Delivered[];
  heldBack: Delivered[];
  /** `HDEL`s for the commit: this batch's leases and lapsed ones seen. */
  release: Op<unknown>[];
}

export function acquireOps(stream: string, group: string, kc: KeyConcurrency, messages: readonly Delivered[], now: number, ttlMs: number): Op<unknown>[] {
  const keys = new Map<string, string[]>();
  for (const m of messages) {
    const value = m.fields[kc.field];
    if (value === undefined) continue;
    const key = leaseKey(stream, group, value);
    keys.set(key, [...(keys.get(key) ?? []), holder(stream, m)]);
  }
  const ops: Op<unknown>[] = [];
  for (const [key, ids] of keys) {
    ops.push(op(["HSET", key, ...ids.flatMap((id) => [id, String(now + ttlMs)])], (r) => r));
    ops.push(op(["PEXPIRE", key, ttlMs], (r) => r));
    ops.push(op(["HGETALL", key], (r) => ({ key, leases: pairs(r) })));
  }
  return ops;
}

/** Splits the batch by the snapshot `acquireOps` answered (its HGETALL replies, in order). */
export function decide(stream: string, group: string, kc: KeyConcurrency, messages: readonly Delivered[], snapshots: readonly { key: string; leases: Map<string, number> }[], now: number): Leased {
  const ours = new Set(messages.map((m) => holder(stream, m)));
  const room = new Map<string, number>();
  const release: Op<unknown>[] = [];
  for (const { key, leases } of snapshots) {
    let others = 0;
    const lapsed: string[] = [];
    for (const [id, until] of leases) {
      if (ours.has(id)) continue;
      if (until > now) others += 1;
      else lapsed.push(id);
    }
    room.set(key, kc.max - others);
    const mine = messages.filter((m) => m.fields[kc.field] !== undefined && leaseKey(stream, group, m.fields[kc.field]!) === key).map((m) => holder(stream, m));
    release.push(op(["HDEL", key, ...mine, ...lapsed], (r) => r));
  }
  const toHandle: Delivered[] = [];
  const heldBack: Delivered[] = [];
  for (const m of messages) {
    const value = m.fields[kc.field];
    if (value === undefined) {
      toHandle.push(m);
      continue;
    }
    const key = leaseKey(stream, group, value);
    const left = room.get(key) ?? 0;
    if (left > 0) {
      room.set(key, left - 1);
      toHandle.push(m);
    } else heldBack.push(m);
  }
  return { toHandle, heldBack, release };
}

/** One MULTI: this batch's leases written and every lease of its keys read, then the split. */
export async function leaseBatch(t: Transport, target: Target, kc: KeyConcurrency, messages: readonly Delivered[], now: number, ttlMs: number): Promise<Leased> {
  const ops = acquireOps(target.stream, target.group, kc, messages, now, ttlMs);
  if (ops.length === 0) return { toHandle: [...messages], heldBack: [], release: [] };
  const replies = await sendTransaction(t, ops);
  const snapshots = replies.filter((_, i) => i % 3 === 2) as { key: string; leases: Map<string, number> }[];
  return decide(target.stream, target.group, kc, messages, snapshots, now);
}

function pairs(r: unknown): Map<string, number> {
  const map = new Map<string, number>();
  if (!Array.isArray(r)) return map;
  for (let i = 0; i + 1 < r.length; i += 2) map.set(String(r[i]), Number(r[i + 1]));
  return map;
}
