/**
 * Checks a commit's replies. Redis runs every command of a MULTI/EXEC even
 * when one fails at run time, so a failure inside a commit must be found in
 * its replies:
 * - an effect that failed (e.g. WRONGTYPE) is reported; its message is still
 *   acknowledged, which cannot be undone;
 * - an XACK that settled fewer ids than sent means the group vanished or
 *   another run settled them: reported, because it is how a duplicate shows;
 * - an XCLAIM … JUSTID (a retry or a put-back) that claimed fewer ids than
 *   sent means those entries left the PEL while the batch was handled (their
 *   consumer was deleted, or another run settled them): reported by id;
 * - a dead-letter XADD that failed while its XACK succeeded would lose the
 *   message, so it is put back on its source stream as a new entry (the
 *   original id cannot be restored) and reported; so is a long retry whose
 *   park into the delayed set failed (it is retried at once). The new
 *   entry carries its group and its deliveries (reentry.ts), so only that
 *   group gets it, and `maxDeliveries` still ends its retries; a put-back
 *   whose answer is lost is sent again, and adds the entry at most once.
 */
import type { Commit } from "./commit.js";
import type { Delivered as Message } from "../define/define.js";
import type { Settled } from "../redis/ops.js";
import { pipelineSettled } from "../redis/ops.js";
import type { RunReport } from "../features/report.js";
import { rescueOp } from "../features/reentry.js";
import type { Transport } from "../redis/transport.js";

export interface Problems {
  found: boolean;
  /** Extra requests and commands spent on rescues. */
  requests: number;
  commands: number;
}

/** Sends of a put-back whose answer was lost: each is safe to repeat (reentry.ts `rescueOp`). */
const RESCUE_ATTEMPTS = 3;

/**
 * Puts each message back with its group and its deliveries (a fresh entry
 * would reach every group and count from 1 again), sending again while the
 * request's outcome is unknown; true for each one that is back.
 */
async function putBack(t: Transport, rescue: readonly Message[], problems: Problems): Promise<boolean[]> {
  const put = rescue.map(() => false);
  let left = rescue.map((m, i) => ({ i, ...rescueOp(m) }));
  for (let attempt = 0; attempt < RESCUE_ATTEMPTS && left.length > 0; attempt++) {
    problems.requests += 1;
    problems.commands += left.length;
    const settled = await pipelineSettled(t, left.map((x) => x.op)).catch(() => undefined);
    if (settled) settled.forEach((x, j) => (put[left[j]!.i] = x.ok));
    // Only an unknown outcome is sent again, and only what a repeat cannot add twice.
    left = settled ? [] : left.filter((x) => x.resendable);
  }
  return put;
}

export async function verifyCommit(t: Transport, commit: Commit, results: Settled<unknown>[], r: RunReport): Promise<Problems> {
  const problems: Problems = { found: false, requests: 0, commands: 0 };
  const note = (message: string) => {
    problems.found = true;
    r.error ??= message;
  };
  const rescue: Message[] = [];
  commit.checks.forEach((check, i) => {
    const result = results[i];
    if (!result) return;
    if (!result.ok) {
      if (check.kind === "dead-letter") {
        rescue.push(check.message);
        r.deadLettered -= 1;
      }
      // Put back once, however many of its commands failed.
      if (check.kind === "park" && !rescue.includes(check.message)) rescue.push(check.message);
      note(`commit: ${check.kind} failed: ${result.error}`);
    } else if (check.kind === "xack" && typeof result.value === "number" && result.value < check.ids) {
      note(`commit: XACK settled ${result.value} of ${check.ids} ids; the group was deleted, or another run settled them`);
    } else if (check.kind === "schedule" && Array.isArray(result.value) && result.value.length < check.ids.length) {
      const claimed = new Set(result.value);
      const gone = check.ids.filter((id) => !claimed.has(id));
      note(`commit: XCLAIM rescheduled ${result.value.length} of ${check.ids.length} ids; not pending any more (consumer deleted, or settled by another run): ${gone.join(", ")}`);
    }
  });
  if (rescue.length > 0) {
    const put = await putBack(t, rescue, problems);
    const lost = rescue.filter((_, i) => !put[i]);
    const outcome =
      lost.length === 0
        ? `${rescue.length} dead letter(s) put back on their source stream as new entries`
        : `${lost.length} dead letter(s) could not be put back: ${lost.map((m) => `${m.id} ${JSON.stringify(m.fields)}`).join("; ")}`;
    r.error = `${r.error}; ${outcome}`;
  }
  return problems;
}

