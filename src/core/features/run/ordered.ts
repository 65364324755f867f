/**
 * `ordered` in a run (ordered/ has the lease, the held keys and the
 * key-by-key handling): the first request takes the lease, each batch is
 * handled key by key, and every commit carries the held keys' changes; the
 * last one gives the lease back when that is safe.
 */
import { rawOp } from "../../redis/ops.js";
import type { Feature, RunScope } from "../feature.js";
import { OrderedRun } from "../ordered/ordered-run.js";

export function ordered(s: RunScope): Feature | undefined {
  if (!s.o.ordered) return undefined;
  const run = new OrderedRun(s.target, s.o, () => s.now(), s.startedAt);
  return {
    start: (t, size) => run.start(t, size),
    handle: (fetched, batch) => run.handle(fetched, batch),
    unpaid() {
      run.keepLease();
      s.stop("subrequests");
    },
    ride: (kind) => ({ ops: run.commands(kind === "last").map(rawOp) }),
  };
}
