/**
 * The drill's accounting over plain values: given what the producer was
 * told and what Redis holds at the end, it finds lost, unexpected,
 * duplicated and misplaced orders, and tells redeliveries (legitimate under
 * faults) from violations.
 */
import { describe, expect, it } from "vitest";
import { deadLetterFields } from "../../../src/core/dead-letters/dead-letter.js";
import type { Fields } from "../../../src/core/redis/parse-replies.js";
import type { AccountingInput } from "../../../tools/drill/accounting.js";
import { account } from "../../../tools/drill/accounting.js";
import type { Entry } from "../../../tools/drill/reader.js";
import type { Delivery } from "../../../tools/drill/faults/deliveries.js";
import type { OrderKind } from "../../../tools/drill/workload.js";

const orders: { key: string; kind: OrderKind }[] = [
  { key: "c1", kind: "clean" },
  { key: "c2", kind: "clean" },
  { key: "f1", kind: "fail-once" },
  { key: "a1", kind: "always-fail" },
  { key: "i1", kind: "invalid" },
];
const idOf = (key: string) => `${orders.findIndex((o) => o.key === key) + 1}-0`;
const fieldsOf = (key: string): Fields => (key === "i1" ? { ref: key, amount: "1.00" } : { orderID: key, amount: "1.00" });

const streamEntry = (key: string, id = idOf(key)): Entry => ({ id, fields: fieldsOf(key) });
const charge = (key: string, attempt: number, id = `L${key}${attempt}`): Entry => ({ id, fields: { orderID: key, amount: "1.00", attempt: String(attempt), messageId: idOf(key) } });
const deadLetter = (key: string, deliveries: number, id = `D${key}${deliveries}`): Entry => ({
  id,
  fields: deadLetterFields({ originalId: idOf(key), stream: "orders:payments", group: "g", function: "payments", deliveries, error: "x", failedAt: "t", fields: fieldsOf(key) }),
});

interface Input extends AccountingInput {
  stream: Entry[];
  ledger: Entry[];
  deadLetters: Entry[];
}

/** A perfect run without faults; each case changes one thing. */
function base(): Input {
  return {
    orders,
    acked: new Map(orders.map((o) => [o.key, idOf(o.key)])),
    stream: orders.map((o) => streamEntry(o.key)),
    ledger: [charge("c1", 1), charge("c2", 1), charge("f1", 2)],
    deadLetters: [deadLetter("a1", 5), deadLetter("i1", 1)],
    maxDeliveries: 5,
    attempts: new Map(),
    deliveries: new Map(),
    killsAtMs: [],
    faulty: false,
    group: { pending: 0, lag: 0, consumers: ["payments-0", "payments-1"] },
    consumerPool: ["payments-0", "payments-1"],
    maxConsumerPending: 120,
  };
}

const failing = (input: AccountingInput) => account(input).invariants.filter((i) => !i.ok).map((i) => i.name);

describe("drill accounting", () => {
  it("passes a perfect run", () => {
    const a = account(base());
    expect(failing(base())).toEqual([]);
    expect(a.ok).toBe(true);
    expect(a.byKind["fail-once"]).toEqual({ orders: 1, acknowledged: 1, charged: 1, deadLettered: 0 });
    expect(a.deliveries).toEqual({ "always-fail": { 5: 1 }, invalid: { 1: 1 } });
    expect(a.redeliveries.total).toBe(0);
  });

  it.each<[string, (i: Input) => void, string[], (a: ReturnType<typeof account>) => unknown, unknown]>([
    ["an acknowledged order in neither ledger nor DLQ is lost", (i) => void (i.ledger = i.ledger.filter((e) => e.fields.orderID !== "c2")), ["lost = 0"], (a) => a.lost, ["c2"]],
    ["a dead-lettered invalid order is found by its ref", (i) => void (i.deadLetters = [deadLetter("a1", 5)]), ["lost = 0"], (a) => a.lost, ["i1"]],
    ["a ledger entry of no order is unexpected", (i) => void i.ledger.push(charge("zz", 1)), ["unexpected = 0"], (a) => a.unexpected.map((u) => `${u.where} ${u.key}`), ["ledger zz"]],
    ["a DLQ entry of no order is unexpected", (i) => void i.deadLetters.push(deadLetter("zz", 1)), ["unexpected = 0"], (a) => a.unexpected.map((u) => `${u.where} ${u.key}`), ["dlq zz"]],
    ["a stream entry of no order is unexpected", (i) => void i.stream.push({ id: "9-0", fields: { orderID: "zz", amount: "1" } }), ["unexpected = 0"], (a) => a.unexpected.map((u) => u.where), ["stream"]],
    ["an order charged twice is a duplicate", (i) => void i.ledger.push(charge("c1", 2)), ["charged twice = 0", "deliveries exact (no faults)"], (a) => a.duplicates.charged, ["c1"]],
    ["an order dead-lettered twice is a duplicate", (i) => void i.deadLetters.push(deadLetter("a1", 5, "D2")), ["dead-lettered twice = 0"], (a) => a.duplicates.deadLettered, ["a1"]],
    ["an order enqueued twice is an idempotency failure", (i) => void i.stream.push(streamEntry("c2", "7-0")), ["enqueued twice = 0"], (a) => a.duplicates.enqueued, ["c2"]],
    ["an order both charged and dead-lettered", (i) => void i.deadLetters.push(deadLetter("c1", 1)), ["charged and dead-lettered = 0", "DLQ = always-fail + invalid, exactly"], (a) => a.duplicates.chargedAndDeadLettered, ["c1"]],
    ["an always-fail order charged is misplaced", (i) => void ((i.ledger = [...i.ledger, charge("a1", 1)]), (i.deadLetters = [deadLetter("i1", 1)])), ["DLQ = always-fail + invalid, exactly"], (a) => a.misplaced.map((m) => m.key), ["a1"]],
    ["an always-fail order dead-lettered early is a violation", (i) => void (i.deadLetters = [deadLetter("a1", 3), deadLetter("i1", 1)]), ["deliveries exact (no faults)"], (a) => a.deliveryViolations.map((v) => v.key), ["a1"]],
    ["a fail-once order charged on its first delivery is a violation", (i) => void (i.ledger = [charge("c1", 1), charge("c2", 1), charge("f1", 1)]), ["deliveries exact (no faults)"], (a) => a.deliveryViolations.map((v) => v.key), ["f1"]],
    ["a ledger messageId other than the acknowledged id", (i) => void (i.ledger[0]!.fields.messageId = "99-0"), ["ids as acknowledged"], (a) => a.idMismatch.map((m) => m.where), ["ledger"]],
    ["an enqueue never acknowledged", (i) => void (i.acked = new Map([...i.acked].filter(([k]) => k !== "c1"))), ["every enqueue acknowledged"], (a) => a.acknowledged, 4],
    ["a DLQ entry not in cronsumer's format is malformed", (i) => void i.deadLetters.push({ id: "X", fields: { junk: "1" } }), ["entries well-formed"], (a) => a.malformed.length, 1],
    ["pending entries left", (i) => void (i.group = { pending: 3, lag: 0, consumers: ["payments-0"] }), ["PEL empty"], (a) => a.ok, false],
    ["lag left", (i) => void (i.group = { pending: 0, lag: 7, consumers: ["payments-0"] }), ["lag 0"], (a) => a.ok, false],
    ["a consumer outside the pool", (i) => void (i.group = { pending: 0, lag: 0, consumers: ["payments-0", "payments-7"] }), ["consumers within the pool (2)"], (a) => a.ok, false],
    ["a consumer near Upstash's PEL limit", (i) => void (i.maxConsumerPending = 950), ["max pending of one consumer < 900"], (a) => a.ok, false],
  ])("%s", (_, change, broken, pick, expected) => {
    const input = base();
    change(input);
    expect(failing(input)).toEqual(broken);
    expect(pick(account(input))).toEqual(expected);
  });

  it("keeps the entries of a flagged order as evidence", () => {
    const input = base();
    input.ledger.push(charge("c1", 2));
    const a = account(input);
    expect(Object.keys(a.evidence)).toEqual(["c1"]);
    expect(a.evidence.c1!.stream.map((e) => e.id)).toEqual([idOf("c1")]);
    expect(a.evidence.c1!.ledger.map((e) => e.fields.attempt)).toEqual(["1", "2"]);
    expect(a.evidence.c1!.dlq).toEqual([]);
  });

  it("counts redeliveries under faults without calling them violations", () => {
    const input = { ...base(), faulty: true };
    input.ledger = [charge("c1", 2), charge("c2", 1), charge("f1", 4)];
    input.deadLetters = [deadLetter("a1", 6), deadLetter("i1", 2)];
    const a = account(input);
    expect(failing(input)).toEqual([]);
    expect(a.redeliveries).toEqual({ total: 5, messages: 4, byKind: { clean: 1, "fail-once": 2, "always-fail": 1, invalid: 1 } });
    expect(a.deliveries).toEqual({ "always-fail": { 6: 1 }, invalid: { 2: 1 } });
  });

  it("a good order whose deliveries were all lost to faults is exhausted, not misplaced", () => {
    const expired = (key: string, deliveries: number) => {
      const e = deadLetter(key, deliveries);
      e.fields.error = `delivery ${deliveries} of 5 never completed (the handler crashed, or overran the visibility timeout)`;
      return e;
    };
    const input = { ...base(), faulty: true };
    input.ledger = [charge("c1", 1), charge("c2", 1)];
    input.deadLetters = [...input.deadLetters, expired("f1", 5)];
    // Its handler saw all five deliveries (see the next describe for deliveries it did not see).
    input.attempts = new Map([[idOf("f1"), [1, 2, 3, 4, 5]]]);
    expect(failing(input)).toEqual([]);
    expect(account(input).exhausted.map((o) => o.key)).toEqual(["f1"]);
    // Without faults, or before maxDeliveries, it is misplaced.
    expect(failing({ ...input, faulty: false })).toEqual(["DLQ = always-fail + invalid, exactly"]);
    input.deadLetters = [deadLetter("a1", 5), deadLetter("i1", 1), expired("f1", 4)];
    expect(account(input).misplaced.map((o) => o.key)).toEqual(["f1"]);
  });

  it("the same redeliveries without faults are violations", () => {
    const input = base();
    input.ledger = [charge("c1", 2), charge("c2", 1), charge("f1", 2)];
    expect(failing(input)).toEqual(["deliveries exact (no faults)"]);
  });
});

describe("drill accounting: good messages dead-lettered after maxDeliveries", () => {
  const expired = (key: string, deliveries: number): Entry => {
    const e = deadLetter(key, deliveries);
    e.fields.error = `delivery ${deliveries} of 5 never completed (the handler crashed, or overran the visibility timeout)`;
    return e;
  };
  const sent = (...dropped: boolean[]): Delivery[] => dropped.map((d, i) => ({ tMs: 1_000 * (i + 1), dropped: d }));
  const ok = false;
  const DROP = true;
  /** f1 (a fail-once order) dead-lettered as never completed, under faults; the rest as in a perfect run. */
  function exhaustedRun(dlqDeliveries: number, seen: number[], deliveries: Delivery[], killsAtMs: number[] = []): Input {
    return {
      ...base(),
      faulty: true,
      ledger: [charge("c1", 1), charge("c2", 1)],
      deadLetters: [deadLetter("a1", 5), deadLetter("i1", 1), expired("f1", dlqDeliveries)],
      attempts: new Map([[idOf("f1"), seen]]),
      deliveries: new Map([[idOf("f1"), deliveries]]),
      killsAtMs,
    };
  }
  const CHECK = "good dead-lettered after maxDeliveries: each had 5 real deliveries";

  it.each<[string, Input, { unseen: number[]; lostToFaults: string[]; ok: boolean }]>([
    ["every delivery seen by a handler", exhaustedRun(5, [1, 2, 3, 4, 5], sent(ok, ok, ok, ok, ok)), { unseen: [], lostToFaults: [], ok: true }],
    ["a delivery whose answer the bridge dropped", exhaustedRun(5, [1, 2, 4, 5], sent(ok, ok, DROP, ok, ok)), { unseen: [], lostToFaults: ["3 answer dropped"], ok: true }],
    ["a delivery sent a second before the Worker was killed", exhaustedRun(5, [1, 2, 4, 5], sent(ok, ok, ok, ok, ok), [4_000]), { unseen: [], lostToFaults: ["3 Worker killed"], ok: true }],
    ["a delivery answered, with no fault, that no handler saw", exhaustedRun(5, [1, 2, 4, 5], sent(ok, ok, ok, ok, ok)), { unseen: [3], lostToFaults: [], ok: false }],
    ["a kill long after the unseen delivery explains nothing", exhaustedRun(5, [1, 2, 4, 5], sent(ok, ok, ok, ok, ok), [3_000 + 10_000]), { unseen: [3], lostToFaults: [], ok: false }],
    ["a kill before the unseen delivery explains nothing", exhaustedRun(5, [1, 2, 4, 5], sent(ok, ok, ok, ok, ok), [2_500]), { unseen: [3], lostToFaults: [], ok: false }],
    ["deliveries neither seen nor ever sent", exhaustedRun(5, [1, 2], sent(ok, ok)), { unseen: [3, 4, 5], lostToFaults: [], ok: false }],
    ["a dead letter counting more deliveries than maxDeliveries", exhaustedRun(6, [1, 2, 3, 4, 5], sent(ok, ok, ok, ok, ok, ok)), { unseen: [], lostToFaults: [], ok: false }],
  ])("%s", (_, input, expected) => {
    const a = account(input);
    expect(a.summary).toEqual({ lost: 0, unexpected: 0, duplicated: 0, goodDeadLetteredAfterMaxDeliveries: 1, withPhantomDeliveries: expected.ok ? 0 : 1 });
    const [check] = a.exhaustedChecks;
    expect({ unseen: check!.unseen, lostToFaults: check!.lostToFaults.map((l) => `${l.delivery} ${l.fault}`), ok: check!.ok }).toEqual(expected);
    expect(failing(input)).toEqual(expected.ok ? [] : [CHECK]);
  });

  it("names the phantom deliveries in the finding", () => {
    const a = account(exhaustedRun(5, [1, 2, 4, 5], sent(ok, DROP, ok, ok, ok)));
    expect(a.exhausted.map((o) => o.note)).toEqual(["fail-once order dead-lettered after 5 deliveries: charged deliveries no handler saw: 3 (handler saw 1, 2, 4, 5; lost to faults none)"]);
  });

  it("counts none in a run where no good message reached the DLQ, next to lost, unexpected and duplicated", () => {
    const input = base();
    input.ledger.push(charge("c1", 2));
    expect(account(input).summary).toEqual({ lost: 0, unexpected: 0, duplicated: 1, goodDeadLetteredAfterMaxDeliveries: 0, withPhantomDeliveries: 0 });
  });
});
