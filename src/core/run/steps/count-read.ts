import type { RunReport } from "../../features/report.js";
import type { Reads } from "../lane-plan.js";

/** Counts a read in the report: its messages, per lane when the function has lanes, and the replays it skipped. */
export function countRead(r: RunReport, reads: Pick<Reads, "fetched" | "perLane">, names?: readonly string[]): void {
  r.read += reads.fetched.toHandle.length;
  r.skippedReplays += reads.fetched.skipped.length;
  if (names === undefined) return;
  const lanes = (r.laneReads ??= {});
  names.forEach((name, i) => (lanes[name] = (lanes[name] ?? 0) + (reads.perLane[i] ?? 0)));
}
