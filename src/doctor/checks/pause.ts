/**
 * The pause gate (core/features/pause.ts): every read names it beside the stream,
 * `XREADGROUP … STREAMS <stream> <pause gate> > >`. Once pause has made it a
 * string, the read must fail with WRONGTYPE, delivering nothing, and the
 * `XGROUP CREATE` a run uses to open it must fail with WRONGTYPE too, so a
 * run never mistakes a pause for a gate to open.
 */
import { parseRead } from "../../core/redis/parse-replies.js";
import type { Check } from "../check.js";
import { row } from "../check.js";
import { errorOf, pendingCountOf, resultOf, show } from "../outcome.js";
import { groupedStream, setUp } from "../setup.js";

export const NAME = "XREADGROUP pause gate (WRONGTYPE)";

export const pauseCheck: Check = {
  name: NAME,
  cost: "3 requests, 11 commands",
  async run(ctx) {
    const { stream, create: createStream } = groupedStream(ctx, "pause:stream");
    const { stream: gate, create: createGate } = groupedStream(ctx, "pause:gate");
    const read = ["XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", stream, gate, ">", ">"] as const;
    await setUp(ctx, [...createStream, ...createGate, ["XADD", stream, "*", "n", "1"]]);
    const [open] = await ctx.transport.pipeline([read]);
    const openEntries = parseRead(resultOf(open, "XREADGROUP with the pause gate open"), stream);
    // Pause as the API does (SET over the gate), add one more entry, read again, and try to reopen as a run would.
    const [, , paused, reopen, summary] = await ctx.transport.pipeline([
      ["SET", gate, String(Date.now()), "PX", 600_000],
      ["XADD", stream, "*", "n", "2"],
      read,
      ["XGROUP", "CREATE", gate, "g", "$", "MKSTREAM"],
      ["XPENDING", stream, "g"],
    ]);
    const pausedError = errorOf(paused);
    const reopenError = errorOf(reopen);
    const pendingCount = pendingCountOf(summary);
    const ok = openEntries.length === 1 && pausedError?.startsWith("WRONGTYPE") === true && reopenError?.startsWith("WRONGTYPE") === true && pendingCount === 1;
    const word = (e: string | undefined, o: unknown) => (e === undefined ? `ok ${show(o as never, 30)}` : e.split(" ")[0]);
    const observed = `open: ${openEntries.length} read; paused: ${word(pausedError, paused)}, reopen ${word(reopenError, reopen)}, ${pendingCount} pending`;
    return [row(NAME, "open: 1 read; paused: WRONGTYPE, reopen WRONGTYPE, 1 pending", observed, ok)];
  },
};
