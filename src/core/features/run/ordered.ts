/**
 * `ordered` in a run (ordered/ has the lease, the held keys and the
 * key-by-key handling): the first request takes the lease, every request
 * after it is fenced by the lease (ordered/fence.ts), each batch is handled
 * key by key, and every commit carries the held keys' changes; the last one
 * gives the lease back when that is safe.
 *
 * It meets the other features here:
 * - The lease script takes over the first request, but what the others add
 *   to it still rides there (ordered-start.ts): promotion before it
 *   (`delays`), a reservation after it, and no read while a rate limit has
 *   granted nothing yet.
 * - A message another feature held back before handling (`keyConcurrency`)
 *   holds its ordering key too, so no later message of the key passes it.
 */
import type { Delivered } from "../../define/define.js";
import { rawOp } from "../../redis/ops.js";
import type { Feature, RunScope } from "../feature.js";
import { OrderedRun } from "../ordered/ordered-run.js";
import { shapedStart } from "./ordered-start.js";

export function ordered(s: RunScope): Feature | undefined {
  if (!s.o.ordered) return undefined;
  const run = new OrderedRun(s.target, s.o, () => s.now(), s.startedAt);
  let admitted = new Map<string, Delivered>();
  return {
    transport: (inner) => run.fence(inner),
    start: (t, size, shape) => shapedStart(t, s.target.stream, shape, size, (riding, sized) => run.start(riding, sized)),
    async admit(_t, fetched) {
      admitted = new Map(fetched.toHandle.map((m) => [m.id, m]));
      return fetched;
    },
    handle(fetched, batch) {
      for (const r of fetched.released) {
        const m = admitted.get(r.id);
        if (m) run.holdBack(m, s.now() + (r.delayMs ?? 0));
      }
      return run.handle(fetched, batch);
    },
    unpaid() {
      run.keepLease();
      s.stop("subrequests");
    },
    ride: (kind) => ({ ops: run.commands(kind === "last").map(rawOp) }),
  };
}
