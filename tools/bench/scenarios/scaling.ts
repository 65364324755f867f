/**
 * Scenario 2: concurrency scaling with an I/O-bound handler (50 ms). The same
 * batch size for every row, so only the concurrency changes. The seed
 * tutorial claims 10× at 10 coroutines; this is what cronsumer measures.
 */
import { drainCronsumer, openGate, sweptSetup } from "../contenders/cronsumer.js";
import { limitShare, measureRoundTripMs, physicalLimit } from "../contenders/physical-limit.js";
import type { Context } from "../context.js";
import { measure, perSecond } from "../measure.js";
import type { Section } from "../report.js";
import { int, ms, rate, ratioPerMessage, times } from "../report.js";
import { backlog, freshStream, handlerFor } from "../workload.js";

const HANDLER_MS = 50;
const BATCH = 50;
const CONCURRENCY = [1, 10, 50];
const GROUP = "bench";

export async function scalingScenario(ctx: Context): Promise<Section> {
  const { stack, settings } = ctx;
  const n = settings.scalingMessages;
  const data: Record<string, unknown>[] = [];
  const rows: string[][] = [];
  for (const d of settings.delays) {
    const bridge = await stack.bridge(d);
    const rtt = await measureRoundTripMs(bridge);
    let base = 0;
    for (const c of CONCURRENCY) {
      const setup = sweptSetup(BATCH, c);
      const stream = freshStream(stack, "scaling");
      await backlog(stack.tcp, stream, n, GROUP);
      await openGate(stack, stream, GROUP);
      ctx.log(`  concurrency ${c}, delay ${d} ms …`);
      const job = { stream, group: GROUP, total: n, handle: handlerFor({ name: "50 ms I/O", ioMs: HANDLER_MS }), deadline: performance.now() + settings.capMs };
      const m = await measure(bridge.stats, () => drainCronsumer(stack, bridge, job, setup));
      await stack.sweep();
      const r = perSecond(m);
      if (c === 1) base = r;
      const limit = physicalLimit(rtt, BATCH, c, HANDLER_MS);
      data.push({ delayMs: d, concurrency: c, batchSize: BATCH, ...m, rate: r, limit });
      rows.push([
        `${d} ms`, String(c), String(BATCH), int(m.processed), ms(m.ms), rate(r), ratioPerMessage(m.requests, m.processed),
        times(r, base), times(limit, physicalLimit(rtt, BATCH, 1, HANDLER_MS)), limitShare({ delayMs: d, rate: r, limit }),
        m.processed < n ? `capped at ${settings.capMs / 1000} s (checked between runs), ${int(m.processed)} of ${int(n)}` : "",
      ]);
      ctx.log(`    ${rate(r)} msg/s`);
    }
  }
  return {
    scenario: "2. Concurrency scaling (50 ms I/O handler)",
    tables: [{
      title: `cronsumer, batch ${BATCH}, ${int(n)} messages`,
      columns: ["Delay", "Concurrency", "Batch", "Done", "Time", "msg/s", "HTTP req/msg", "Speed-up vs conc. 1", "Ideal speed-up (computed)", "% of physical limit", "Notes"],
      rows,
      notes: [
        "Ideal speed-up: the physical-limit formula's ratio, (RTT + 50 × 50 ms) / (RTT + ⌈50/c⌉ × 50 ms); the round trip is paid once per batch whatever the concurrency.",
        "The seed tutorial claims 10× at 10 coroutines; compare the 'Speed-up vs conc. 1' column at concurrency 10.",
        "On Workers at most 6 connections are open at once per invocation: a handler whose I/O is `fetch` cannot overlap more than 6, whatever `concurrency` says. The handler here sleeps (setTimeout), so it is not bound by that.",
      ],
    }],
    data,
  };
}
