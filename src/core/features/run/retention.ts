/**
 * `retention` in a run (retention.ts): after a run that did something, the
 * stream is trimmed below what every group still needs, in requests kept
 * free for it from the start, and the report rides with the trim.
 */
import { RETENTION_REQUESTS, streamsRead } from "../../define/options.js";
import type { Feature, RunScope } from "../feature.js";
import { applyRetention } from "../retention.js";

export function retention(s: RunScope): Feature | undefined {
  const options = s.o.retention;
  if (!options) return undefined;
  return {
    requestsAfterRun: RETENTION_REQUESTS,
    finish: (t, report) => applyRetention(t, streamsRead(s.target.stream, s.o), options, report, s.target),
  };
}
