/**
 * `delays` in a run (delayed.ts, promote.ts): the first request's summary
 * comes from the promotion script, which first moves due delayed messages
 * into the stream, so the read beside it in the same pipeline reads them.
 * Long retries are parked by the commit (run/commit.ts), which reads the
 * option itself: parking is part of settling a message.
 */
import type { Feature, RunScope } from "../feature.js";
import { promoteOp } from "../promote.js";

export function delays(s: RunScope): Feature | undefined {
  if (!s.o.delays) return undefined;
  // Each lane has its own delayed set (keys.ts `delayedKey` of the lane's stream), promoted into that lane.
  return { first: () => ({ summary: (stream) => promoteOp(stream, s.target.group) }) };
}
