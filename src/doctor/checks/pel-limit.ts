/**
 * The per-consumer pending limit. Upstash refuses XREADGROUP once a consumer
 * holds 1000 pending entries ("Pending Entries List limit per consumer");
 * Redis has no limit. Either is fine for cronsumer, whose `maxPending` +
 * `batchSize` stays below 900 (core/define/options.ts), as long as a refused read
 * delivers nothing and says so.
 */
import { UPSTASH_PEL_LIMIT } from "../../core/define/options.js";
import { parsePendingSummary, parseRead } from "../../core/redis/parse-replies.js";
import type { Command } from "../../core/redis/transport.js";
import type { Check } from "../check.js";
import { row } from "../check.js";
import { errorOf, resultOf } from "../outcome.js";
import { groupedStream, setUp } from "../setup.js";

export const NAME = "per-consumer pending limit";

const ENTRIES = UPSTASH_PEL_LIMIT + 1;

export const pelLimitCheck: Check = {
  name: NAME,
  cost: `3 requests, ${ENTRIES + 5} commands (${ENTRIES} XADD)`,
  async run(ctx) {
    const { stream, create } = groupedStream(ctx, "pel-limit");
    const read = (count: number): Command => ["XREADGROUP", "GROUP", "g", "c", "COUNT", count, "STREAMS", stream, ">"];
    const adds: Command[] = Array.from({ length: ENTRIES }, () => ["XADD", stream, "*", "n", "1"]);
    await setUp(ctx, [...create, ...adds]);
    // Up to the limit, then one past it: Upstash refuses once a consumer already holds 1000.
    const [upTo] = await ctx.transport.pipeline([read(UPSTASH_PEL_LIMIT)]);
    const [past, summary] = await ctx.transport.pipeline([read(1), ["XPENDING", stream, "g"]]);
    const pending = parsePendingSummary(resultOf(summary, "XPENDING")).count;
    const delivered = (o: typeof upTo) => (errorOf(o) === undefined ? String(parseRead(resultOf(o, "XREADGROUP"), stream).length) : "refused");
    const observed = `${delivered(upTo)}, then ${delivered(past)}; ${pending} pending`;
    const expected = `${UPSTASH_PEL_LIMIT}, then 1 (no limit) or refused (limit); nothing delivered when refused`;
    const refusal = errorOf(upTo) ?? errorOf(past);
    if (refusal !== undefined && !/pending entries list limit/i.test(refusal)) {
      return [row(NAME, expected, `${observed}: "${refusal.slice(0, 60)}"`, false)];
    }
    if (errorOf(upTo) !== undefined) {
      return [row(NAME, expected, observed, pending === 0, `refused at ${UPSTASH_PEL_LIMIT} already; cronsumer keeps maxPending + batchSize below ${UPSTASH_PEL_LIMIT * 0.9}`)];
    }
    if (errorOf(past) !== undefined) {
      return [row(NAME, expected, observed, delivered(upTo) === String(UPSTASH_PEL_LIMIT) && pending === UPSTASH_PEL_LIMIT, `limit enforced (Upstash); cronsumer keeps maxPending + batchSize below ${UPSTASH_PEL_LIMIT * 0.9}`)];
    }
    const ok = delivered(upTo) === String(UPSTASH_PEL_LIMIT) && delivered(past) === "1" && pending === ENTRIES;
    return [row(NAME, expected, observed, ok, "no per-consumer limit (like Redis)")];
  },
};
