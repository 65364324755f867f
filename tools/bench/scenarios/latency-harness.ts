/**
 * The latency scenario's harness: an API over a fresh stream whose function
 * records when it saw each order, a way to POST with a `waitUntil` that
 * keeps what it was handed, and drainers in-process
 * (src/dev/local-drainers.ts), so a session that ends on a budget hands over
 * as it would on Workers: each drainer request or alarm a run with budgets of
 * its own. Node figures, not workerd's.
 */
import { randomUUID } from "node:crypto";
import { createApp } from "../../../src/api/app.js";
import { definePollingFunction } from "../../../src/core/define/define.js";
import { gateKey, reportsKey, wakeLeaseKey } from "../../../src/core/redis/keys.js";
import { localDrainers } from "../../../src/dev/local-drainers.js";
import { createDrainer } from "../../../src/functions/drainer.js";
import { DRAINER_BINDING } from "../../../src/functions/fan-out.js";
import type { Transport } from "../../../src/core/redis/transport.js";
import { transportFromEnv } from "../../../src/functions/redis.js";
import type { Context } from "../context.js";
import type { BenchBridge } from "../stack.js";
import { freshStream } from "../workload.js";

const TOKEN = "bench";

export interface LatencyHarness {
  post(body: unknown): Promise<void>;
  /** Resolves when every session and every drainer the posts started is done. */
  settled(): Promise<void>;
  /** Drainer requests and alarms so far: each one an invocation on Workers. */
  invocations: { fetches: number; alarms: number };
  /** HTTP requests to Redis so far: the enqueues', the sessions' and the drainers'. */
  redisRequests(): number;
}

export function latencyHarness(ctx: Context, bridge: BenchBridge, options: object, handle: (orderID: string, attempt: number) => void): LatencyHarness {
  const id = randomUUID().slice(0, 8);
  const stream = freshStream(ctx.stack, "latency");
  const fn = definePollingFunction({
    name: `bench-latency-${id}`,
    stream,
    group: "bench",
    crons: ["* * * * *"],
    options: { deadLetterStream: `${stream}:dlq`, handlerTimeoutMs: 1_000, visibilityTimeoutMs: 10_000, ...options },
    async handle(m) {
      handle(m.fields.orderID!, m.attempt);
      if (m.fields.simulate === "fail-once" && m.attempt === 1) throw new Error("simulated transient failure");
    },
  });
  ctx.stack.track(`${stream}:dlq`, reportsKey(fn.name), gateKey(stream), wakeLeaseKey(stream));
  const base = { ...bridge.env, API_TOKEN: TOKEN };
  let requests = 0;
  const counted = (): Transport => {
    const t = transportFromEnv(base);
    return { pipeline: (c) => ((requests += 1), t.pipeline(c)), transaction: (c) => ((requests += 1), t.transaction(c)) };
  };
  const drainers = localDrainers(createDrainer({ functions: [fn], transport: counted }), base);
  const env = { ...base, [DRAINER_BINDING]: drainers };
  const api = createApp({ functions: [fn], transport: counted });
  const running: Promise<unknown>[] = [];
  const waitUntil = { waitUntil: (p: Promise<unknown>) => void running.push(p), passThroughOnException() {}, props: {} };
  const post = async (body: unknown) => {
    const init = { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const res = await api.request(`/streams/${encodeURIComponent(stream)}/messages`, init, env, waitUntil as never);
    if (res.status !== 201) throw new Error(`enqueue answered ${res.status}: ${await res.text()}`);
  };
  const settled = async () => {
    await Promise.all(running);
    await drainers.settled();
  };
  return { post, settled, invocations: drainers.invocations, redisRequests: () => requests };
}
