/**
 * Visibility extension (`maxHandlerMs`) as the run plans it: the extensions a
 * batch may send (one request each, handle/visibility.ts) are kept free
 * before a batch is read, so a run does not read what it could not keep.
 * The extensions themselves go out from the handle step while the batch
 * runs, when no request of the run's is in flight to carry them.
 */
import { extensionsPerBatch } from "../../define/visibility-limits.js";
import type { Feature, RunScope } from "../feature.js";

export function visibility(s: RunScope): Feature | undefined {
  const requestsPerBatch = extensionsPerBatch(s.o);
  return requestsPerBatch > 0 ? { requestsPerBatch } : undefined;
}
