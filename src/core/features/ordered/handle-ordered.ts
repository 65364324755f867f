/**
 * Handles a batch one key at a time: each key's messages in id order, one
 * after another, keys side by side up to `concurrency`. A message is handled
 * only when no older message of its key is pending (held.ts). A failure holds
 * its key: the rest of that key's messages are put back unhandled, their
 * delivery counts restored, due when the failed one is, and the key stays held
 * until the failed one is acknowledged or dead-lettered. Other keys go on.
 *
 * A key's messages run one after another, so a batch of one key can take
 * `batchSize × handlerTimeoutMs`, longer than the visibility timeout bounds
 * and longer than the lease. So no handler starts past `startBy` (the lease's
 * end less one handler timeout and the margin): that message and the rest of
 * its key are put back unhandled, due at once, for the next run.
 */
import { retryDelayMs } from "../../define/backoff.js";
import type { Delivered } from "../../define/define.js";
import type { BatchOptions, Outcome } from "../../handle/handle-batch.js";
import { handleBatch } from "../../handle/handle-batch.js";
import type { Fetched } from "../../handle/fetched.js";
import type { BackoffOptions } from "../../define/options.js";
import { compareStreamIds } from "../../redis/stream-id.js";
import type { Held } from "./held.js";

export interface OrderedOptions extends BatchOptions {
  /** The field naming a message's key; without it every message has the same key. */
  partitionKey: string | undefined;
  backoff: BackoffOptions;
  visibilityTimeoutMs: number;
  now: () => number;
  /** Unix ms after which no handler may start: one started later could outlive the run's lease. */
  startBy: number;
}

/** A message's key: the value of `partitionKey`, "" when it is missing. */
export const messageKey = (m: Delivered, field: string | undefined): string => (field === undefined ? "" : (m.fields[field] ?? ""));

export async function handleOrdered(delivered: readonly Delivered[], held: Held, o: OrderedOptions): Promise<Outcome[]> {
  const byKey = new Map<string, number[]>();
  delivered.forEach((m, i) => {
    const key = messageKey(m, o.partitionKey);
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });
  const outcomes: Outcome[] = new Array(delivered.length);
  const lanes = [...byKey.entries()].map(([key, indexes]) => ({ key, indexes: indexes.sort((a, b) => compareStreamIds(delivered[a]!.id, delivered[b]!.id)) }));
  let next = 0;
  async function lane(): Promise<void> {
    while (next < lanes.length) {
      const { key, indexes } = lanes[next++]!;
      for (const i of indexes) outcomes[i] = await handleInTurn(delivered[i]!, key, held, o);
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.concurrency, lanes.length) }, lane));
  return outcomes;
}

async function handleInTurn(m: Delivered, key: string, held: Held, o: OrderedOptions): Promise<Outcome> {
  if (!held.mayHandle(key, m.id)) {
    const head = held.get(key)!;
    held.hold(key, m.id, head.dueAt);
    const delayMs = Math.max(0, head.dueAt - o.now());
    return { message: m, ok: false, permanent: false, notAttempted: true, delayMs, error: `held behind ${head.ids[0]} of key ${JSON.stringify(key)}` };
  }
  if (o.now() > o.startBy) {
    // Put back unhandled and due at once; the key's later messages are held behind it, for the next run.
    held.hold(key, m.id, o.now());
    return { message: m, ok: false, permanent: false, notAttempted: true, delayMs: 0, error: "not started: the run's ordered lease could end before its handler" };
  }
  const [outcome] = await handleBatch([m], o);
  if (settles(outcome!, o)) held.settle(key, m.id);
  else held.hold(key, m.id, o.now() + Math.min(o.visibilityTimeoutMs, retryIn(outcome!, o.backoff)));
  return outcome!;
}

/** Acknowledged or dead-lettered by this commit (commit.ts decides the same way). */
function settles(outcome: Outcome, o: OrderedOptions): boolean {
  if (outcome.ok) return true;
  if (outcome.notAttempted) return false;
  return outcome.permanent || outcome.message.attempt >= o.maxDeliveries;
}

function retryIn(outcome: Outcome, backoff: BackoffOptions): number {
  if (outcome.ok || outcome.notAttempted) return 0;
  return outcome.delayMs ?? retryDelayMs(backoff, outcome.message.attempt);
}

/** Entries a fetch settles without a handler (dead-lettered on reclaim, trimmed, replayed elsewhere) release their keys. */
export function settleUnhandled(held: Held, fetched: Fetched): void {
  for (const e of fetched.expired) held.settleId(e.message.id);
  for (const { id } of [...fetched.trimmed, ...fetched.skipped]) held.settleId(id);
}
