/**
 * XAUTOCLAIM's reply (recovery, core/run/fetch.ts): Redis 7.0 answers
 * `[cursor, claimed, deleted]`, listing in the third element the pending ids
 * whose entries were deleted, and purging them from the PEL. Redis 6.2
 * answers two elements and keeps such ids pending.
 */
import { parseAutoClaim } from "../../core/redis/parse-replies.js";
import type { Check } from "../check.js";
import { row } from "../check.js";
import { pendingCountOf, resultOf, show } from "../outcome.js";
import { groupedStream, setUp } from "../setup.js";

export const NAME = "XAUTOCLAIM reply";

export const autoclaimCheck: Check = {
  name: NAME,
  cost: "2 requests, 9 commands",
  async run(ctx) {
    const { stream, create } = groupedStream(ctx, "autoclaim");
    const setup = await setUp(ctx, [
      ...create,
      ["XADD", stream, "*", "n", "1"],
      ["XADD", stream, "*", "n", "2"],
      ["XADD", stream, "*", "n", "3"],
      ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "STREAMS", stream, ">"],
    ]);
    const deletedId = String(setup[3]);
    const [, claimOutcome, summary] = await ctx.transport.pipeline([
      ["XDEL", stream, deletedId],
      ["XAUTOCLAIM", stream, "g", "c2", "0", "0-0", "COUNT", "10"],
      ["XPENDING", stream, "g"],
    ]);
    const reply = resultOf(claimOutcome, "XAUTOCLAIM");
    const elements = Array.isArray(reply) ? reply.length : 0;
    let parsed: ReturnType<typeof parseAutoClaim> | undefined;
    try {
      parsed = parseAutoClaim(reply);
    } catch {
      // Reported below as an unreadable reply.
    }
    const pendingCount = pendingCountOf(summary);
    if (!parsed) return [row(NAME, "3 elements", `unreadable: ${show(reply)}`, false)];
    const ok =
      elements === 3 &&
      parsed.cursor === "0-0" &&
      parsed.claimed.length === 2 &&
      parsed.deleted.length === 1 &&
      parsed.deleted[0] === deletedId &&
      pendingCount === 2;
    const observed =
      `${elements} elements, cursor ${parsed.cursor}, ${parsed.claimed.length} claimed, ` +
      `${parsed.deleted.length} deleted listed, ${pendingCount} pending`;
    const note = elements === 3 ? "3-element reply: Redis 7.0+ semantics" : elements === 2 ? "2-element reply: Redis 6.2 semantics" : undefined;
    return [row(NAME, "3 elements, cursor 0-0, 2 claimed, 1 deleted listed, 2 pending", observed, ok, note)];
  },
};
