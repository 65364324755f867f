/**
 * Step 4, in a shared invocation (share.ts): a run whose part of the
 * invocation's budgets holds no batch, though its own would, waits for
 * another run to leave and plans again, instead of ending. The runs of a
 * tick plan one after another as their replies come back, and an idle run
 * leaves only after the others planned on the same merged reply; a run that
 * must reclaim (a request more than its first batch) then found every other
 * run still holding its part, ended, and did the same on every tick: with
 * four functions on a Free cron, a failed message stayed pending forever
 * (found by the merged-request property tests). It waits only with nothing
 * to commit: a batch's commit is never held back for a budget.
 */
import type { Commit } from "../commit.js";
import type { RunState } from "../state.js";
import type { NextFetch } from "./next-fetch.js";
import { nextFetch } from "./next-fetch.js";
import { refusedByShare } from "./plan.js";

export async function nextFetchShared(s: RunState, commit: Commit): Promise<NextFetch> {
  for (;;) {
    const stopped = s.stopReason !== undefined;
    const next = nextFetch(s);
    const budget = s.stopReason === "cpu" || s.stopReason === "subrequests";
    if (stopped || !budget || commit.commands.length > 0 || !s.seat || !refusedByShare(s)) return next;
    if (!(await s.seat.othersLeave())) return next;
    // The stop was the share's alone, and the share has grown: plan again.
    s.stopReason = undefined;
  }
}
