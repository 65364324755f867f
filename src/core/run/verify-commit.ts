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
 *   ZADD or HSET into the delayed set failed (it is retried at once).
 */
import { xadd } from "../redis/commands.js";
import type { Commit } from "./commit.js";
import type { Delivered as Message } from "../define/define.js";
import type { Settled } from "../redis/ops.js";
import { pipelineSettled } from "../redis/ops.js";
import type { RunReport } from "../features/report.js";
import type { Transport } from "../redis/transport.js";

export interface Problems {
  found: boolean;
  /** Extra requests and commands spent on rescues. */
  requests: number;
  commands: number;
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
      // A park is two commands; one failed rescue puts the message back once.
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
    const ops = rescue.map((m) => xadd(m.stream, m.fields));
    problems.requests += 1;
    problems.commands += ops.length;
    const put = await pipelineSettled(t, ops).catch(() => undefined);
    const lost = rescue.filter((_, i) => !put?.[i]?.ok);
    const outcome =
      lost.length === 0
        ? `${rescue.length} dead letter(s) put back on their source stream as new entries`
        : `${lost.length} dead letter(s) could not be put back: ${lost.map((m) => `${m.id} ${JSON.stringify(m.fields)}`).join("; ")}`;
    r.error = `${r.error}; ${outcome}`;
  }
  return problems;
}

