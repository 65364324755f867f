/**
 * The request size cap (Upstash: 10 MB). A request just over it must be
 * refused with an error and nothing of it applied; one well under it must go
 * through. A commit that outgrew the cap is then refused whole, and its
 * messages stay pending for redelivery, instead of being half-applied.
 * Nothing big is left behind: the accepted value is deleted in its own request.
 */
import type { Check, CheckResult } from "../check.js";
import { row } from "../check.js";
import { describeError, resultOf, show } from "../outcome.js";

export const NAME = "request size cap";

/** How far over the cap the refused request goes: enough for any framing. */
const OVER_BY_BYTES = 64 * 1024;
/** The accepted request: 1 MiB, or a tenth of the cap when that is smaller. */
const underBytes = (cap: number) => Math.min(1024 * 1024, Math.floor(cap / 10));

export const requestSizeCheck: Check = {
  name: NAME,
  cost: "2 requests, 4 commands, plus one refused request of about 10 MB",
  async run(ctx) {
    const cap = ctx.maxRequestBytes;
    const key = ctx.key("request-size");
    const rows: CheckResult[] = [];

    const small = underBytes(cap);
    const [set, length, del] = await ctx.transport.pipeline([
      ["SET", key, "x".repeat(small), "EX", ctx.ttlSeconds],
      ["STRLEN", key],
      ["DEL", key],
    ]);
    resultOf(set, "SET");
    const stored = resultOf(length, "STRLEN");
    resultOf(del, "DEL");
    rows.push(row(`${NAME}: ${small} B`, `accepted, ${small} B stored`, `accepted, ${show(stored)} B stored`, stored === small));

    const big = cap + OVER_BY_BYTES;
    let outcome: string;
    try {
      const [answer] = await ctx.transport.pipeline([["SET", key, "x".repeat(big), "EX", ctx.ttlSeconds]]);
      outcome = `accepted (${show(answer, 30)})`;
    } catch (error) {
      outcome = `refused (${describeError(error).slice(0, 60)})`;
    }
    const [exists] = await ctx.transport.pipeline([["EXISTS", key]]);
    const written = resultOf(exists, "EXISTS");
    if (written !== 0) await ctx.transport.pipeline([["DEL", key]]);
    rows.push(
      row(
        `${NAME}: ${big} B`,
        "refused with an error, nothing applied",
        `${outcome}, ${written === 0 ? "nothing applied" : "APPLIED"}`,
        outcome.startsWith("refused") && written === 0,
      ),
    );
    return rows;
  },
};
