/**
 * MULTI/EXEC as a commit uses it (core/run/run.ts, core/run/verify-commit.ts):
 * - a command refused while queueing (wrong arity) discards the whole
 *   transaction, and nothing of it is applied;
 * - a command failing at run time (INCR on a non-integer) is reported inline,
 *   and every other command of the transaction is applied.
 */
import { RedisReplyError } from "../../core/redis/errors.js";
import type { Check, CheckResult } from "../check.js";
import { row } from "../check.js";
import { describeError, errorOf, resultOf, show } from "../outcome.js";

export const NAME = "MULTI/EXEC";

export const multiExecCheck: Check = {
  name: NAME,
  cost: "4 requests, 7 commands",
  async run(ctx) {
    const a = ctx.key("multi:a");
    const b = ctx.key("multi:b");
    const c = ctx.key("multi:c");
    const rows: CheckResult[] = [];

    // Refused at queue time: nothing may be applied.
    let refusal: string;
    try {
      const outcomes = await ctx.transport.transaction([["SET", c, "1", "EX", ctx.ttlSeconds], ["SET", c]]);
      refusal = `ran: ${show(outcomes as never, 50)}`;
    } catch (error) {
      refusal = error instanceof RedisReplyError ? `refused (${error.message.split(" ")[0]})` : `failed: ${describeError(error)}`;
    }
    const [exists] = await ctx.transport.pipeline([["EXISTS", c]]);
    const written = resultOf(exists, "EXISTS");
    rows.push(
      row(`${NAME}: queue-time error`, "refused (EXECABORT), nothing applied", `${refusal}, ${written === 0 ? "nothing applied" : "APPLIED"}`, refusal.startsWith("refused") && written === 0),
    );

    // A run-time error: reported in place, the rest applied.
    const outcomes = await ctx.transport.transaction([
      ["SET", a, "not-a-number", "EX", ctx.ttlSeconds],
      ["INCR", a],
      ["SET", b, "applied", "EX", ctx.ttlSeconds],
    ]);
    const [values] = await ctx.transport.pipeline([["MGET", a, b]]);
    const got = resultOf(values, "MGET");
    const incrError = errorOf(outcomes[1]);
    const applied = JSON.stringify(got) === JSON.stringify(["not-a-number", "applied"]);
    const ok = errorOf(outcomes[0]) === undefined && incrError !== undefined && errorOf(outcomes[2]) === undefined && applied;
    rows.push(
      row(
        `${NAME}: run-time error`,
        "INCR error inline, the other 2 applied",
        `INCR ${incrError === undefined ? `answered ${show(outcomes[1], 30)}` : "error inline"}, ${applied ? "the other 2 applied" : `stored ${show(got, 50)}`}`,
        ok,
      ),
    );
    return rows;
  },
};
