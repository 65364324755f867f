/**
 * Step 4: what the request that carries this commit also fetches. Recovery
 * comes first while anything idle may be left; then new entries, until a
 * read comes back short. The budgets (plan.ts) and then each feature bound
 * the size, or stop the run, or make it wait (within `maxRunMs`) for a
 * feature: then the request fetches nothing and the next step waits.
 */
import type { Op } from "../../redis/ops.js";
import type { FetchKind } from "../../features/feature.js";
import { readOps, recoverLaneOps } from "../lane-plan.js";
import type { RunState } from "../state.js";
import { planNext } from "./plan.js";

export interface NextFetch {
  kind: FetchKind;
  ops: Op<unknown>[];
  size: number;
  /** For `wait`: how long a feature asked to wait. */
  waitMs: number;
}

const last: NextFetch = { kind: "last", ops: [], size: 0, waitMs: 0 };

export function nextFetch(s: RunState): NextFetch {
  if (s.stopReason) return last;
  const plan = planNext(s);
  const kind = s.recovering ? "recover" : s.lastReadShort ? undefined : "read";
  // A run with nothing left to read is drained, whichever budget would also have stopped it.
  if (plan.size === 0 || kind === undefined) return stop(s, kind === undefined ? "drained" : plan.limit);
  let size = plan.size;
  for (const f of s.features) {
    const v = f.next?.(kind, size);
    if (v === undefined) continue;
    if ("stop" in v) return stop(s, v.stop);
    if ("waitMs" in v) {
      if (s.now() - s.startedAt + v.waitMs + s.o.handlerTimeoutMs > s.o.maxRunMs) return stop(s, v.reason);
      return { kind: "wait", ops: [], size: 0, waitMs: v.waitMs };
    }
    size = v.size;
  }
  const ops = kind === "recover" ? recoverLaneOps(s.target, s.lanes, s.o.visibilityTimeoutMs, size) : readOps(s.target, s.lanes, size, s.o.noAck);
  return { kind, ops, size, waitMs: 0 };
}

function stop(s: RunState, reason: Parameters<RunState["stop"]>[0]): NextFetch {
  s.stop(reason);
  return last;
}
