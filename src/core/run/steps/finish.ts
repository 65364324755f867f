/**
 * Step 7: after the loop. A feature with work of its own after a run
 * (retention) does it and stores the report; after an error the report is
 * stored best effort, because it matters most when a run fails. The caller
 * gets exactly what was stored, or, for an idle run, the report unstored.
 */
import type { RunReport } from "../../features/report.js";
import { didWork, storeReportCommands } from "../../features/report.js";
import type { RunState } from "../state.js";
import { costs } from "../state.js";
import { describeError } from "./describe-error.js";

export async function finish(s: RunState): Promise<void> {
  s.report.stopReason = s.stopReason ?? "drained";
  const after = s.features.find((f) => f.finish);
  if (after && didWork(s.report)) s.stored = await after.finish!(s.t, (commands) => costs(s, 1, commands));
}

export function failed(s: RunState, error: unknown): void {
  s.report.stopReason = "error";
  s.report.error = describeError(error);
  s.stored = undefined;
}

export async function stored(s: RunState): Promise<RunReport> {
  if (s.stored === undefined && didWork(s.report)) {
    const report = costs(s, 1, 2);
    s.stored = await s.t.pipeline(storeReportCommands(report, s.target)).then(
      () => report,
      () => undefined,
    );
  }
  return s.stored ?? costs(s, 0, 0);
}
