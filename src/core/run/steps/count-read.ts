import type { RunReport } from "../../features/report.js";
import type { Fetched } from "../../handle/fetched.js";

/**
 * Counts a read in the report; answers whether it found fewer entries than it
 * asked for. Entries replayed to another group count as found: a batch of
 * them must not end the run's reading.
 */
export function countRead(r: RunReport, fetched: Fetched, requested: number): boolean {
  r.read += fetched.toHandle.length;
  r.skippedReplays += fetched.skipped.length;
  return fetched.toHandle.length + fetched.skipped.length < requested;
}
