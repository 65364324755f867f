/**
 * The ordering drill's events: `accounts` accounts, `perAccount` events each,
 * seq 1..n, a seeded share of them `simulate: fail-once`. Events are split by
 * account between producer lanes, and each lane sends its events in seq order,
 * one batch after another, so enqueue order is seq order for every account
 * (the order `ordered` promises to keep).
 */
import type { Order } from "../workload.js";

export interface AccountEvents {
  /** One list per producer lane, in enqueue order. */
  lanes: Order[][];
  /** Account → its last seq. */
  expected: Map<string, number>;
}

export function makeAccountEvents(accounts: number, perAccount: number, failOnce: number, lanes: number, random: () => number, prefix: string): AccountEvents {
  const out: Order[][] = Array.from({ length: lanes }, () => []);
  const expected = new Map<string, number>();
  for (let a = 0; a < accounts; a++) expected.set(`${prefix}-acct-${a}`, perAccount);
  // Interleaved by seq, so a batch mixes accounts and a failure holds back one key among many.
  for (let seq = 1; seq <= perAccount; seq++) {
    for (let a = 0; a < accounts; a++) {
      const account = `${prefix}-acct-${a}`;
      const fail = random() < failOnce;
      const fields = { account, seq: String(seq), ...(fail ? { simulate: "fail-once" } : {}) };
      out[a % lanes]!.push({ key: `${account}#${seq}`, kind: fail ? "fail-once" : "clean", fields });
    }
  }
  return { lanes: out, expected };
}
