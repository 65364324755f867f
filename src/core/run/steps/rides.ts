/** Several features' rides as one: their commands in order, each handed back the replies to its own. */
import type { Ride } from "../../features/feature.js";
import type { Settled } from "../../redis/ops.js";

export function joinRides(rides: readonly (Ride | undefined)[]): Ride {
  const list = rides.filter((r): r is Ride => r !== undefined && r.ops.length > 0);
  return {
    ops: list.flatMap((r) => r.ops),
    replies(settled: readonly Settled<unknown>[]) {
      let at = 0;
      for (const r of list) {
        r.replies?.(settled.slice(at, at + r.ops.length));
        at += r.ops.length;
      }
    },
  };
}
