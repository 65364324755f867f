/**
 * The ordering drill's verdict: for every account, `accounts:ledger` must
 * hold each `seq` the producer enqueued exactly once, in increasing order.
 * A duplicate, a gap, a reorder, or an unknown account each fail it, and the
 * first few of each are named so a finding can be traced.
 */
import type { Fields } from "../../../src/core/redis/parse-replies.js";

export interface LedgerVerdict {
  ok: boolean;
  accounts: number;
  entries: number;
  /** Accounts whose ledger is exactly 1..n. */
  complete: number;
  duplicates: string[];
  gaps: string[];
  reorders: string[];
  unknown: string[];
}

const SHOWN = 10;

/** `expected`: account → how many seqs were enqueued for it (1..n). */
export function checkLedger(ledger: readonly { fields: Fields }[], expected: ReadonlyMap<string, number>): LedgerVerdict {
  const seen = new Map<string, number[]>();
  for (const e of ledger) {
    const account = e.fields.account ?? "";
    seen.set(account, [...(seen.get(account) ?? []), Number(e.fields.seq)]);
  }
  const v: LedgerVerdict = { ok: true, accounts: expected.size, entries: ledger.length, complete: 0, duplicates: [], gaps: [], reorders: [], unknown: [] };
  const note = (list: string[], line: string) => list.length < SHOWN && list.push(line);
  for (const account of seen.keys()) if (!expected.has(account)) note(v.unknown, account);
  for (const [account, n] of expected) {
    const seqs = seen.get(account) ?? [];
    const counts = new Map<number, number>();
    for (const s of seqs) counts.set(s, (counts.get(s) ?? 0) + 1);
    const dup = [...counts].filter(([, c]) => c > 1).map(([s]) => s);
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((s) => !counts.has(s));
    const reorder = seqs.findIndex((s, i) => i > 0 && s <= seqs[i - 1]!);
    if (dup.length > 0) note(v.duplicates, `${account}: seq ${dup.join(", ")}`);
    if (missing.length > 0) note(v.gaps, `${account}: missing seq ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? " …" : ""}`);
    if (reorder > 0) note(v.reorders, `${account}: seq ${seqs[reorder]} after ${seqs[reorder - 1]}`);
    if (dup.length === 0 && missing.length === 0 && reorder < 0 && seqs.length === n) v.complete += 1;
  }
  v.ok = v.complete === expected.size && v.unknown.length === 0;
  return v;
}
