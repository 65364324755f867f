/**
 * XPENDING with IDLE (recovery, core/run/fetch.ts): `XPENDING … IDLE <ms> - + n`
 * must list only entries idle at least that long, with their delivery counts.
 * Idle times come from real waiting here, not from XCLAIM IDLE, so this check
 * stands on its own.
 */
import { parsePendingEntries } from "../../core/redis/parse-replies.js";
import type { Check } from "../check.js";
import { row } from "../check.js";
import { resultOf } from "../outcome.js";
import { groupedStream, setUp } from "../setup.js";

export const NAME = "XPENDING IDLE";

/** How long the first entry waits before the second is read. */
export const WAIT_MS = 1_500;

export const xpendingIdleCheck: Check = {
  name: NAME,
  cost: `2 requests, 8 commands, ${WAIT_MS} ms wait`,
  async run(ctx) {
    const { stream, create } = groupedStream(ctx, "xpending");
    const read = ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", stream, ">"] as const;
    const setup = await setUp(ctx, [
      ...create,
      ["XADD", stream, "*", "n", "1"],
      ["XADD", stream, "*", "n", "2"],
      read,
    ]);
    const first = String(setup[2]);
    await ctx.sleep(WAIT_MS);
    const [second, listing, all] = await ctx.transport.pipeline([
      read,
      ["XPENDING", stream, "g", "IDLE", String(WAIT_MS - 500), "-", "+", "10"],
      ["XPENDING", stream, "g", "-", "+", "10"],
    ]);
    resultOf(second, "XREADGROUP");
    const idle = parsePendingEntries(resultOf(listing, "XPENDING … IDLE"));
    const total = parsePendingEntries(resultOf(all, "XPENDING")).length;
    const ok = idle.length === 1 && idle[0]?.id === first && idle[0].idleMs >= WAIT_MS - 500 && idle[0].deliveries === 1 && total === 2;
    const observed = `${idle.length} of ${total} listed${idle[0] ? `: ${idle[0].id === first ? "the older" : "the newer"}, idle ${idle[0].idleMs} ms, ${idle[0].deliveries} delivery` : ""}`;
    return [row(NAME, `1 of 2 listed: the older, idle ≥ ${WAIT_MS - 500} ms, 1 delivery`, observed, ok)];
  },
};
