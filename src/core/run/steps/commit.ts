/**
 * Step 3: the batch's commit (commit.ts). A commit larger than one request
 * goes as several (split-commit.ts): all but the last are sent here, and the
 * last rides with the next fetch. The features learn what it settles.
 */
import type { Outcome } from "../../handle/attempt-context.js";
import type { Commit } from "../commit.js";
import { sendLeadingParts } from "../send-commit.js";
import { splitCommit } from "../split-commit.js";
import type { RunState } from "../state.js";
import { requestsAfterRun } from "../state.js";

export async function commitLeading(s: RunState, outcomes: readonly Outcome[]): Promise<Commit> {
  const parts = splitCommit({ fn: s.fn.name, ...s.target, options: s.o, outcomes, ...s.fetched, now: s.now() });
  const leading = await sendLeadingParts(s.t, parts, s.budget.limit - s.budget.used - requestsAfterRun(s), s.report);
  if (leading.unpaid > 0) for (const f of s.features) f.unpaid?.();
  const commit = leading.last;
  // With NOACK nothing was pending: settling it takes nothing off the group's count.
  const settled = s.o.noAck ? 0 : leading.settled + commit.acked + commit.deadLettered;
  for (const f of s.features) f.settling?.(settled);
  return commit;
}
