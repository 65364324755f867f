/**
 * The backpressure gate (core/redis/keys.ts `gateKey`): a run's first read names
 * the stream and the gate, `XREADGROUP … STREAMS <stream> <gate> > >`. It
 * must read as usual while the gate carries the group, and fail with NOGROUP,
 * delivering nothing, once the gate key is deleted.
 */
import { parseRead } from "../../core/redis/parse-replies.js";
import type { Check } from "../check.js";
import { row } from "../check.js";
import { errorOf, pendingCountOf, resultOf, show } from "../outcome.js";
import { groupedStream, setUp } from "../setup.js";

export const NAME = "XREADGROUP gate (NOGROUP)";

export const gateCheck: Check = {
  name: NAME,
  cost: "3 requests, 10 commands",
  async run(ctx) {
    const { stream, create: createStream } = groupedStream(ctx, "gate:stream");
    const { stream: gate, create: createGate } = groupedStream(ctx, "gate:gate");
    const read = ["XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", stream, gate, ">", ">"] as const;
    await setUp(ctx, [...createStream, ...createGate, ["XADD", stream, "*", "n", "1"]]);
    const [open] = await ctx.transport.pipeline([read]);
    const openEntries = parseRead(resultOf(open, "XREADGROUP with the gate open"), stream);
    // Close the gate as a run does (DEL), add one more entry, and read again.
    const [, , closed, summary] = await ctx.transport.pipeline([
      ["DEL", gate],
      ["XADD", stream, "*", "n", "2"],
      read,
      ["XPENDING", stream, "g"],
    ]);
    const closedError = errorOf(closed);
    const pendingCount = pendingCountOf(summary);
    const ok = openEntries.length === 1 && closedError?.startsWith("NOGROUP") === true && pendingCount === 1;
    const observed =
      `open: ${openEntries.length} read; closed: ${closedError === undefined ? `read ${show(closed, 40)}` : closedError.split(" ")[0]}` +
      `, ${pendingCount} pending`;
    return [row(NAME, "open: 1 read; closed: NOGROUP, 1 pending", observed, ok)];
  },
};
