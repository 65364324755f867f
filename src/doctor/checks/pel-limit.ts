/**
 * The per-consumer pending limit. Upstash refuses XREADGROUP once a consumer
 * holds 1000 pending entries ("Pending Entries List limit per consumer");
 * Redis has no limit. Either is fine for cronsumer, whose `maxPending` +
 * `batchSize` stays below 900 (core/options.ts), as long as a refused read
 * delivers nothing and says so.
 */
import { UPSTASH_PEL_LIMIT } from "../../core/options.js";
import { parsePendingSummary, parseRead } from "../../core/parse-replies.js";
import type { Command } from "../../core/transport.js";
import type { Check } from "../check.js";
import { row } from "../check.js";
import { errorOf, resultOf, show } from "../outcome.js";

export const NAME = "per-consumer pending limit";

const ENTRIES = UPSTASH_PEL_LIMIT + 1;

export const pelLimitCheck: Check = {
  name: NAME,
  cost: `2 requests, ${ENTRIES + 4} commands (${ENTRIES} XADD)`,
  async run(ctx) {
    const stream = ctx.key("pel-limit");
    const adds: Command[] = Array.from({ length: ENTRIES }, () => ["XADD", stream, "*", "n", "1"]);
    const setup = await ctx.transport.pipeline([["XGROUP", "CREATE", stream, "g", "$", "MKSTREAM"], ctx.expire(stream), ...adds]);
    setup.forEach((o, i) => resultOf(o, `setup command ${i + 1}`));
    const [read, summary] = await ctx.transport.pipeline([
      ["XREADGROUP", "GROUP", "g", "c", "COUNT", String(ENTRIES), "STREAMS", stream, ">"],
      ["XPENDING", stream, "g"],
    ]);
    const pending = parsePendingSummary(resultOf(summary, "XPENDING")).count;
    const refused = errorOf(read);
    if (refused !== undefined) {
      const limit = /pending entries list limit/i.test(refused);
      return [
        row(
          NAME,
          `no limit, or refused past ${UPSTASH_PEL_LIMIT} with nothing delivered`,
          `refused: "${refused.slice(0, 60)}", ${pending} pending`,
          limit && pending <= UPSTASH_PEL_LIMIT,
          limit ? `limit enforced (Upstash); cronsumer keeps maxPending + batchSize below ${UPSTASH_PEL_LIMIT * 0.9}` : undefined,
        ),
      ];
    }
    const delivered = parseRead(resultOf(read, "XREADGROUP"), stream).length;
    const ok = (delivered === ENTRIES || delivered === UPSTASH_PEL_LIMIT) && pending === delivered;
    const note = delivered === ENTRIES ? "no per-consumer limit (like Redis)" : delivered === UPSTASH_PEL_LIMIT ? `capped at ${UPSTASH_PEL_LIMIT} without an error` : undefined;
    return [
      row(
        NAME,
        `no limit, or refused past ${UPSTASH_PEL_LIMIT} with nothing delivered`,
        `${delivered} of ${ENTRIES} delivered, ${pending} pending${delivered === 0 ? ` (${show(read, 30)})` : ""}`,
        ok,
        note,
      ),
    ];
  },
};
