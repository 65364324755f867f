/**
 * Scenario 5: enqueue through the Worker's HTTP API, in process
 * (`createApp().request()`, env pointing at the bridge): what each batch size
 * costs in Redis requests and commands. The peer row is @upstash/queue's
 * `sendMessage`, one XADD per request.
 */
import { createApp } from "../../../src/api/app.js";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { idempotencyKey } from "../../../src/core/redis/keys.js";
import { QUEUE_PREFIX, queueFor } from "../contenders/upstash-queue.js";
import type { Context } from "../context.js";
import type { Measured } from "../measure.js";
import { measure, perSecond } from "../measure.js";
import type { Section } from "../report.js";
import { int, ms, per, rate, times } from "../report.js";
import type { BenchBridge } from "../stack.js";
import { freshStream, payload } from "../workload.js";

const API_TOKEN = "bench-api-token";
const GROUP = "bench";

interface Variant {
  label: string;
  batch: number;
  idempotent: boolean;
}

const VARIANTS: Variant[] = [
  { label: "API, 1 per POST", batch: 1, idempotent: false },
  { label: "API, 100 per POST", batch: 100, idempotent: false },
  { label: "API, 500 per POST", batch: 500, idempotent: false },
  { label: "API, 100 per POST + Idempotency-Key", batch: 100, idempotent: true },
];

export async function enqueueScenario(ctx: Context): Promise<Section> {
  const { stack, settings } = ctx;
  const n = settings.enqueueMessages;
  const rows: string[][] = [];
  const data: Record<string, unknown>[] = [];
  for (const d of settings.delays) {
    const bridge = await stack.bridge(d);
    let base = 0;
    for (const v of VARIANTS) {
      const stream = freshStream(stack, "enqueue");
      ctx.log(`  ${v.label}, delay ${d} ms …`);
      const m = await measure(bridge.stats, () => viaApi(ctx, bridge, stream, n, v));
      await stack.sweep();
      const r = perSecond(m);
      if (v.batch === 1) base = r;
      data.push({ delayMs: d, ...v, ...m, rate: r });
      rows.push(row(d, v.label, m, n, r, base, settings.capMs));
    }
    const q = `${QUEUE_PREFIX}${freshStream(stack, "enqueue")}`;
    stack.track(q);
    ctx.log(`  @upstash/queue sendMessage, delay ${d} ms …`);
    const m = await measure(bridge.stats, () => viaQueue(bridge, q, n, performance.now() + settings.capMs));
    await stack.sweep();
    data.push({ delayMs: d, label: "@upstash/queue sendMessage", ...m, rate: perSecond(m) });
    rows.push(row(d, "@upstash/queue 1.0.1 sendMessage (peer)", m, n, perSecond(m), base, settings.capMs));
  }
  return {
    scenario: "5. Enqueue",
    tables: [{
      title: `Enqueue ${int(n)} messages, one request after another`,
      columns: ["Delay", "Producer", "Done", "Time", "msg/s", "Redis requests/msg", "Commands/msg", "× vs API 1 per POST", "Notes"],
      rows,
      notes: [
        "API rows call `createApp().request()` in process with the Worker's bindings pointing at the bridge: the Worker's own HTTP layer is not on the wire, only its requests to Redis are.",
        "A batch is one MULTI/EXEC of XADDs, so commands/msg stays 1 whatever the batch size: batching saves round trips and Worker subrequests, not Upstash's bill.",
        "Idempotency-Key costs 3 requests and 4 more commands per POST: a pipelined SET NX + XREVRANGE before, a SET inside the MULTI, and a SET after.",
      ],
    }],
    data,
  };
}

function row(d: number, label: string, m: Measured, n: number, r: number, base: number, capMs: number): string[] {
  const capped = m.processed < n ? `capped at ${capMs / 1000} s, ${int(m.processed)} of ${int(n)}` : "";
  return [`${d} ms`, label, int(m.processed), ms(m.ms), rate(r), per(m.requests / Math.max(1, m.processed)), per(m.commands / Math.max(1, m.processed)), base > 0 ? times(r, base) : "–", capped];
}

async function viaApi(ctx: Context, bridge: BenchBridge, stream: string, n: number, v: Variant): Promise<{ processed: number }> {
  const fn = definePollingFunction({ name: "bench-enqueue", stream, group: GROUP, crons: ["* * * * *"], handle: async () => {} });
  const app = createApp({ functions: [fn] });
  const env = { ...bridge.env, API_TOKEN };
  const deadline = performance.now() + ctx.settings.capMs;
  let sent = 0;
  let post = 0;
  while (sent < n && performance.now() < deadline) {
    const size = Math.min(v.batch, n - sent);
    const batch = Array.from({ length: size }, (_, i) => payload(sent + i));
    const headers: Record<string, string> = { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" };
    if (v.idempotent) {
      headers["idempotency-key"] = `bench-${post}`;
      ctx.stack.track(idempotencyKey(stream, `bench-${post}`));
    }
    const res = await app.request(`/streams/${encodeURIComponent(stream)}/messages`, { method: "POST", headers, body: JSON.stringify(v.batch === 1 ? batch[0] : batch) }, env);
    if (res.status !== 201) throw new Error(`enqueue answered ${res.status}: ${await res.text()}`);
    const { ids } = (await res.json()) as { ids: string[] };
    if (ids.length !== size) throw new Error(`enqueue answered ${ids.length} ids for ${size} messages`);
    sent += size;
    post += 1;
  }
  return { processed: sent };
}

async function viaQueue(bridge: BenchBridge, stream: string, n: number, deadline: number): Promise<{ processed: number }> {
  const queue = queueFor(bridge, stream, GROUP);
  let sent = 0;
  while (sent < n && performance.now() < deadline) {
    if ((await queue.sendMessage(payload(sent))) === null) throw new Error("@upstash/queue sendMessage failed");
    sent += 1;
  }
  return { processed: sent };
}
