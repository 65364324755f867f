/**
 * Good messages dead-lettered after `maxDeliveries` deliveries that faults
 * cut short ("delivery N of M never completed"). That is `maxDeliveries`
 * working as designed, but only if each counted delivery really happened.
 * So for each one this checks:
 * - its dead letter says `deliveries` = `maxDeliveries`, no more, no fewer;
 * - each delivery 1 … `maxDeliveries` was either seen by a handler (the
 *   attempt it logged), or lost to a fault: the bridge dropped the answer
 *   that carried it, or the Worker was killed just after it was sent.
 * A delivery that is neither was charged against the message though no
 * handler ever saw it: a phantom delivery, and a failure.
 */
import type { Delivery } from "./faults/deliveries.js";

/** A delivery sent this long before a kill may have died with the Worker before its handler logged it. */
export const KILL_WINDOW_MS = 3_000;

export interface ExhaustedInput {
  maxDeliveries: number;
  /** Message id → attempt numbers its handler logged. */
  attempts: ReadonlyMap<string, readonly number[]>;
  /** Message id → its deliveries as the bridge answered them, in order. */
  deliveries: ReadonlyMap<string, readonly Delivery[]>;
  /** When the Worker was killed, in ms since the drill started. */
  killsAtMs: readonly number[];
}

export interface Exhausted {
  key: string;
  /** The original message's id. */
  messageId: string;
  /** What its dead letter says. */
  deliveries: number;
  /** Delivery numbers a handler saw. */
  seen: number[];
  /** Delivery numbers no handler saw, with the fault that explains each. */
  lostToFaults: { delivery: number; fault: "answer dropped" | "Worker killed" }[];
  /** Delivery numbers no handler saw and no fault explains: phantom deliveries. */
  unseen: number[];
  ok: boolean;
}

export function checkExhausted(key: string, messageId: string, deliveries: number, input: ExhaustedInput): Exhausted {
  const { maxDeliveries } = input;
  const logged = new Set(input.attempts.get(messageId) ?? []);
  const sent = input.deliveries.get(messageId) ?? [];
  const result: Exhausted = { key, messageId, deliveries, seen: [], lostToFaults: [], unseen: [], ok: false };
  for (let k = 1; k <= maxDeliveries; k++) {
    if (logged.has(k)) {
      result.seen.push(k);
      continue;
    }
    const d = sent[k - 1];
    if (d?.dropped) result.lostToFaults.push({ delivery: k, fault: "answer dropped" });
    else if (d && input.killsAtMs.some((at) => at >= d.tMs && at - d.tMs <= KILL_WINDOW_MS)) result.lostToFaults.push({ delivery: k, fault: "Worker killed" });
    else result.unseen.push(k);
  }
  result.ok = deliveries === maxDeliveries && result.unseen.length === 0;
  return result;
}

/** One line saying what was found wrong with it, for the report. */
export function describeExhausted(e: Exhausted, maxDeliveries: number): string {
  const problems = [
    ...(e.deliveries === maxDeliveries ? [] : [`dead letter says ${e.deliveries} deliveries, maxDeliveries is ${maxDeliveries}`]),
    ...(e.unseen.length ? [`charged deliveries no handler saw: ${e.unseen.join(", ")}`] : []),
  ];
  const seen = `handler saw ${e.seen.join(", ") || "none"}; lost to faults ${e.lostToFaults.map((l) => `${l.delivery} (${l.fault})`).join(", ") || "none"}`;
  return problems.length ? `${problems.join("; ")} (${seen})` : seen;
}
