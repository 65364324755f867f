/**
 * XCLAIM as a commit schedules a retry (core/run/commit.ts):
 * `XCLAIM … 0 <id> IDLE <ms> [RETRYCOUNT <n>] JUSTID`. IDLE must set the
 * entry's idle time (the retry's delay), JUSTID must answer ids and count no
 * delivery, and RETRYCOUNT must set the delivery count (a message put back
 * without an attempt keeps its deliveries).
 */
import { parseIds, parsePendingEntries } from "../../core/redis/parse-replies.js";
import type { Check, CheckResult } from "../check.js";
import { row } from "../check.js";
import { resultOf, show } from "../outcome.js";
import { groupedStream, setUp } from "../setup.js";

export const NAME = "XCLAIM IDLE/RETRYCOUNT/JUSTID";

/** Idle times are measured by the server; this much above the set value covers the commands in between. */
const IDLE_SLACK_MS = 30_000;

export const xclaimCheck: Check = {
  name: NAME,
  cost: "2 requests, 8 commands",
  async run(ctx) {
    const { stream, create } = groupedStream(ctx, "xclaim");
    const setup = await setUp(ctx, [
      ...create,
      ["XADD", stream, "*", "n", "1"],
      ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", stream, ">"],
    ]);
    const id = String(setup[2]);
    const list = ["XPENDING", stream, "g", "-", "+", "10"] as const;
    const [idleClaim, afterIdle, retryClaim, afterRetry] = await ctx.transport.pipeline([
      ["XCLAIM", stream, "g", "c2", "0", id, "IDLE", "60000", "JUSTID"],
      list,
      ["XCLAIM", stream, "g", "c1", "0", id, "IDLE", "120000", "RETRYCOUNT", "3", "JUSTID"],
      list,
    ]);
    const rows: CheckResult[] = [];
    const claimedIds = (o: typeof idleClaim, what: string) => {
      try {
        return JSON.stringify(parseIds("XCLAIM", resultOf(o, what)));
      } catch {
        return show(o, 50);
      }
    };
    const state = (o: typeof afterIdle) => {
      const [p] = parsePendingEntries(resultOf(o, "XPENDING"));
      return p;
    };

    const a = state(afterIdle);
    const aIds = claimedIds(idleClaim, "XCLAIM … IDLE … JUSTID");
    rows.push(
      row(
        `${NAME}: IDLE+JUSTID`,
        `[id]; owner c2, 1 delivery, idle 60000..${60_000 + IDLE_SLACK_MS} ms`,
        `${aIds === JSON.stringify([id]) ? "[id]" : aIds}; owner ${a?.consumer}, ${a?.deliveries} delivery, idle ${a?.idleMs} ms`,
        aIds === JSON.stringify([id]) && a?.consumer === "c2" && a.deliveries === 1 && inRange(a.idleMs, 60_000),
      ),
    );
    const b = state(afterRetry);
    const bIds = claimedIds(retryClaim, "XCLAIM … RETRYCOUNT … JUSTID");
    rows.push(
      row(
        `${NAME}: RETRYCOUNT`,
        `[id]; owner c1, 3 deliveries, idle 120000..${120_000 + IDLE_SLACK_MS} ms`,
        `${bIds === JSON.stringify([id]) ? "[id]" : bIds}; owner ${b?.consumer}, ${b?.deliveries} deliveries, idle ${b?.idleMs} ms`,
        bIds === JSON.stringify([id]) && b?.consumer === "c1" && b.deliveries === 3 && inRange(b.idleMs, 120_000),
      ),
    );
    return rows;
  },
};

const inRange = (idleMs: number, set: number) => idleMs >= set && idleMs <= set + IDLE_SLACK_MS;
