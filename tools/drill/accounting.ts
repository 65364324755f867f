/**
 * The drill's accounting, Jepsen total-queue style, over plain values read
 * from Redis after the drain: what the producer was told was enqueued,
 * against where each order ended up. Pure, so it is tested with tables.
 *
 * - lost: acknowledged at enqueue, but neither charged nor dead-lettered;
 * - unexpected: a stream, ledger or dead-letter entry of no order we made;
 * - duplicates: charged twice, dead-lettered twice, both, or enqueued twice
 *   (two stream entries of one order: the API's idempotency failed);
 * - misplaced: a good order dead-lettered, or a bad one charged. One
 *   exception, under faults only: a good order whose deliveries all went
 *   to faults (each fetch answer or commit lost) reaches `maxDeliveries`
 *   and is dead-lettered as "never completed", as designed. Those are
 *   counted apart as `exhausted`, with their entries kept as evidence, and
 *   each is checked to have really had `maxDeliveries` deliveries
 *   (exhausted.ts);
 * - redeliveries: handler runs beyond the expected (clean 1, fail-once 2,
 *   always-fail `maxDeliveries`, invalid 1), which faults legitimately cause.
 */
import { parseDeadLetter } from "../../src/core/dead-letters/dead-letter.js";
import type { Exhausted, ExhaustedInput } from "./exhausted.js";
import { checkExhausted, describeExhausted } from "./exhausted.js";
import type { Entry } from "./reader.js";
import type { OrderKind } from "./workload.js";
import { keyOf } from "./workload.js";

export interface AccountingInput {
  orders: readonly { key: string; kind: OrderKind }[];
  /** Order key → the stream id the API acknowledged. */
  acked: ReadonlyMap<string, string>;
  stream: readonly Entry[];
  ledger: readonly Entry[];
  deadLetters: readonly Entry[];
  maxDeliveries: number;
  /** What handlers saw, what the bridge sent and when the Worker died: see exhausted.ts. */
  attempts: ExhaustedInput["attempts"];
  deliveries: ExhaustedInput["deliveries"];
  killsAtMs: readonly number[];
  /** Whether any fault was injected: without, every count must be exact. */
  faulty: boolean;
  /** The group at the end, and the largest pending count one consumer ever had. */
  group: { pending: number; lag: number | null; consumers: readonly string[] } | undefined;
  consumerPool: readonly string[];
  maxConsumerPending: number;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Odd {
  key: string | undefined;
  where: "stream" | "ledger" | "dlq";
  id: string;
  note?: string;
}

const KINDS: readonly OrderKind[] = ["clean", "fail-once", "always-fail", "invalid"];
/** Flagged orders whose entries are copied into `evidence`. */
const EVIDENCE_KEPT = 20;
/** Upstash refuses a consumer's reads at 1000 pending; the project keeps clear by 10 %. */
export const CONSUMER_PENDING_CEILING = 900;

export function account(input: AccountingInput) {
  const { orders, acked, maxDeliveries } = input;
  const kindOf = new Map(orders.map((o) => [o.key, o.kind]));
  const expected = (kind: OrderKind) => ({ clean: 1, "fail-once": 2, "always-fail": maxDeliveries, invalid: 1 })[kind];
  const unexpected: Odd[] = [];
  const malformed: Odd[] = [];
  const idMismatch: Odd[] = [];
  const misplaced: Odd[] = [];
  const exhausted: Odd[] = [];
  const exhaustedChecks: Exhausted[] = [];
  const deliveryViolations: Odd[] = [];

  const streamKeys = group(input.stream, (e) => keyOf(e.fields), (e, key) => unexpected.push({ key, where: "stream", id: e.id }), kindOf);
  const ledgerKeys = group(
    input.ledger,
    (e) => e.fields.orderID,
    (e, key) => (key ? unexpected : malformed).push({ key, where: "ledger", id: e.id, ...(key ? {} : { note: "no orderID" }) }),
    kindOf,
  );
  const dead = input.deadLetters.flatMap((e) => {
    const d = parseDeadLetter(e);
    if (d === null) malformed.push({ key: undefined, where: "dlq", id: e.id, note: "not in cronsumer's dead-letter format" });
    return d === null ? [] : [{ id: e.id, key: keyOf(d.fields), originalId: d.originalId, deliveries: d.deliveries, error: d.error }];
  });
  const dlqKeys = group(dead, (d) => d.key, (d, key) => unexpected.push({ key, where: "dlq", id: d.id }), kindOf);

  const lost = [...acked.keys()].filter((k) => !ledgerKeys.has(k) && !dlqKeys.has(k));
  const duplicates = {
    enqueued: keysSeenTwice(streamKeys),
    charged: keysSeenTwice(ledgerKeys),
    deadLettered: keysSeenTwice(dlqKeys),
    chargedAndDeadLettered: [...ledgerKeys.keys()].filter((k) => dlqKeys.has(k)),
  };

  const redeliveries = { total: 0, messages: 0, byKind: zeros() };
  const deliveries: Record<"always-fail" | "invalid", Record<string, number>> = { "always-fail": {}, invalid: {} };
  const extra = (key: string, kind: OrderKind, count: number, where: "ledger" | "dlq", id: string) => {
    const more = count - expected(kind);
    // Below expectation is never legitimate; above it is, but only when faults were injected.
    if (more < 0 || (more > 0 && !input.faulty)) deliveryViolations.push({ key, where, id, note: `${kind}: ${count} deliveries, expected ${expected(kind)}` });
    if (more > 0) {
      redeliveries.total += more;
      redeliveries.messages += 1;
      redeliveries.byKind[kind] += more;
    }
  };
  for (const [key, entries] of ledgerKeys) {
    const kind = kindOf.get(key)!;
    for (const e of entries) {
      if (kind === "always-fail" || kind === "invalid") misplaced.push({ key, where: "ledger", id: e.id, note: `${kind} order charged` });
      else extra(key, kind, Number(e.fields.attempt), "ledger", e.id);
      if (acked.has(key) && e.fields.messageId !== acked.get(key)) idMismatch.push({ key, where: "ledger", id: e.id, note: `messageId ${e.fields.messageId}, acknowledged ${acked.get(key)}` });
    }
  }
  for (const [key, entries] of dlqKeys) {
    const kind = kindOf.get(key)!;
    for (const d of entries) {
      if (kind === "clean" || kind === "fail-once") {
        const lostToFaults = input.faulty && d.deliveries >= maxDeliveries && d.error.includes("never completed");
        const check = lostToFaults ? checkExhausted(key, d.originalId, d.deliveries, input) : undefined;
        if (check) exhaustedChecks.push(check);
        const note = check ? describeExhausted(check, maxDeliveries) : d.error.slice(0, 80);
        (lostToFaults ? exhausted : misplaced).push({ key, where: "dlq", id: d.id, note: `${kind} order dead-lettered after ${d.deliveries} deliveries: ${note}` });
      }
      else {
        deliveries[kind][d.deliveries] = (deliveries[kind][d.deliveries] ?? 0) + 1;
        extra(key, kind, d.deliveries, "dlq", d.id);
      }
      if (acked.has(key) && d.originalId !== acked.get(key)) idMismatch.push({ key, where: "dlq", id: d.id, note: `original-id ${d.originalId}, acknowledged ${acked.get(key)}` });
    }
  }
  for (const [key, entries] of streamKeys) {
    if (acked.has(key) && !entries.some((e) => e.id === acked.get(key))) idMismatch.push({ key, where: "stream", id: entries[0]!.id, note: `acknowledged as ${acked.get(key)}` });
  }

  const byKind = Object.fromEntries(
    KINDS.map((kind) => {
      const keys = orders.filter((o) => o.kind === kind).map((o) => o.key);
      return [kind, { orders: keys.length, acknowledged: keys.filter((k) => acked.has(k)).length, charged: keys.filter((k) => ledgerKeys.has(k)).length, deadLettered: keys.filter((k) => dlqKeys.has(k)).length }];
    }),
  ) as Record<OrderKind, { orders: number; acknowledged: number; charged: number; deadLettered: number }>;

  // What Redis holds for each flagged order, so a finding can be traced to its entries (and their times).
  const phantom = exhaustedChecks.filter((e) => !e.ok);
  const flagged = [...new Set([...lost, ...Object.values(duplicates).flat(), ...[...unexpected, ...misplaced, ...exhausted, ...idMismatch, ...deliveryViolations].flatMap((o) => o.key ?? [])])];
  const evidence = Object.fromEntries(
    flagged.slice(0, EVIDENCE_KEPT).map((key) => [key, { stream: streamKeys.get(key) ?? [], ledger: ledgerKeys.get(key) ?? [], dlq: (dlqKeys.get(key) ?? []).map((d) => input.deadLetters.find((e) => e.id === d.id)!) }]),
  );

  const g = input.group;
  const strangers = g ? g.consumers.filter((c) => !input.consumerPool.includes(c)) : [];
  const count = (list: readonly unknown[]) => String(list.length);
  const invariants: Invariant[] = [
    check("every enqueue acknowledged", acked.size === orders.length, `${acked.size} of ${orders.length}`),
    check("lost = 0", lost.length === 0, count(lost)),
    check("unexpected = 0", unexpected.length === 0, count(unexpected)),
    check("enqueued twice = 0", duplicates.enqueued.length === 0, count(duplicates.enqueued)),
    check("charged twice = 0", duplicates.charged.length === 0, count(duplicates.charged)),
    check("dead-lettered twice = 0", duplicates.deadLettered.length === 0, count(duplicates.deadLettered)),
    check("charged and dead-lettered = 0", duplicates.chargedAndDeadLettered.length === 0, count(duplicates.chargedAndDeadLettered)),
    check(
      "DLQ = always-fail + invalid, exactly",
      misplaced.length === 0,
      `${misplaced.length} misplaced${exhausted.length ? `; ${exhausted.length} good orders' deliveries all lost to faults` : ""}`,
    ),
    check(
      `good dead-lettered after maxDeliveries: each had ${maxDeliveries} real deliveries`,
      phantom.length === 0,
      `${exhaustedChecks.length} checked, ${phantom.length} not (each delivery seen by a handler, or its answer dropped, or the Worker killed)`,
    ),
    check("ids as acknowledged", idMismatch.length === 0, `${idMismatch.length} mismatched`),
    check("entries well-formed", malformed.length === 0, `${malformed.length} malformed`),
    check(
      input.faulty ? "deliveries ≥ expected" : "deliveries exact (no faults)",
      deliveryViolations.length === 0,
      `${deliveryViolations.length} off; always-fail expects ${maxDeliveries}, invalid 1`,
    ),
    check("PEL empty", g !== undefined && g.pending === 0, g ? String(g.pending) : "no group"),
    check("lag 0", g !== undefined && g.lag === 0, g ? String(g.lag) : "no group"),
    check(`consumers within the pool (${input.consumerPool.length})`, g !== undefined && strangers.length === 0 && g.consumers.length <= input.consumerPool.length, g ? g.consumers.join(", ") || "none" : "no group"),
    check(`max pending of one consumer < ${CONSUMER_PENDING_CEILING}`, input.maxConsumerPending < CONSUMER_PENDING_CEILING, String(input.maxConsumerPending)),
  ];

  return {
    orders: orders.length,
    acknowledged: acked.size,
    entries: { stream: input.stream.length, ledger: input.ledger.length, dlq: input.deadLetters.length },
    byKind,
    lost,
    unexpected,
    duplicates,
    misplaced,
    exhausted,
    exhaustedChecks,
    /** The headline: every count but the last must be 0; the last is what faults legitimately cost. */
    summary: {
      lost: lost.length,
      unexpected: unexpected.length,
      duplicated: new Set(Object.values(duplicates).flat()).size,
      goodDeadLetteredAfterMaxDeliveries: exhaustedChecks.length,
      withPhantomDeliveries: phantom.length,
    },
    idMismatch,
    malformed,
    deliveries,
    deliveryViolations,
    redeliveries,
    invariants,
    evidence,
    ok: invariants.every((i) => i.ok),
  };
}

export type Accounting = ReturnType<typeof account>;

/** Entries by key; an entry with no key, or a key of no order, is reported through `stranger`. */
function group<T>(entries: readonly T[], key: (e: T) => string | undefined, stranger: (e: T, key: string | undefined) => void, known: ReadonlyMap<string, unknown>): Map<string, T[]> {
  const byKey = new Map<string, T[]>();
  for (const e of entries) {
    const k = key(e);
    if (k === undefined || !known.has(k)) {
      stranger(e, k);
      continue;
    }
    const list = byKey.get(k) ?? [];
    list.push(e);
    byKey.set(k, list);
  }
  return byKey;
}

const keysSeenTwice = (byKey: ReadonlyMap<string, readonly unknown[]>): string[] => [...byKey].filter(([, list]) => list.length > 1).map(([k]) => k);

const zeros = (): Record<OrderKind, number> => ({ clean: 0, "fail-once": 0, "always-fail": 0, invalid: 0 });

const check = (name: string, ok: boolean, detail: string): Invariant => ({ name, ok, detail });
