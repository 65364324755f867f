/**
 * Sends the leading parts of a split commit (split-commit.ts), each as its
 * own MULTI/EXEC, checked like any commit (verify-commit.ts). The last part
 * is returned to ride with the next fetch, as an unsplit commit does (run.ts).
 *
 * Each extra request counts against the run's subrequest budget. Parts the
 * budget cannot pay for are not sent: their messages stay pending with
 * nothing of theirs written, come back after the visibility timeout, and the
 * run says so. At least one part (the last request) is always sent, so every
 * run settles something and no batch can wedge.
 */
import type { Commit } from "./commit.js";
import { rawOp, transactionSettled } from "../redis/ops.js";
import type { RunReport } from "../features/report.js";
import type { Transport } from "../redis/transport.js";
import { verifyCommit } from "./verify-commit.js";

export interface Leading {
  /** The part that rides with the next request. */
  last: Commit;
  /** Messages the leading parts acknowledged or dead-lettered. */
  settled: number;
  /** Parts the budget did not pay for: their messages were handled but nothing of theirs is written. */
  unpaid: number;
}

export async function sendLeadingParts(t: Transport, parts: readonly Commit[], requestsLeft: number, r: RunReport): Promise<Leading> {
  const paid = parts.slice(0, Math.max(1, requestsLeft));
  if (paid.length < parts.length) {
    const left = parts.slice(paid.length).reduce((n, p) => n + p.acked + p.retried + p.deadLettered, 0);
    r.error ??= `commit: the subrequest budget paid for ${paid.length} of ${parts.length} requests (maxRequestBytes); ${left} messages stay pending and come back after the visibility timeout`;
  }
  let settled = 0;
  for (const part of paid.slice(0, -1)) {
    const results = await transactionSettled(t, part.commands.map(rawOp));
    Object.assign(r, tally(r, part));
    settled += part.acked + part.deadLettered;
    await verifyCommit(t, part, results, r);
  }
  return { last: paid[paid.length - 1]!, settled, unpaid: parts.length - paid.length };
}

export const tally = (r: RunReport, c: Commit) => ({ acked: r.acked + c.acked, retried: r.retried + c.retried, deadLettered: r.deadLettered + c.deadLettered });
