/**
 * The drill's producer: enqueues the orders through the Worker's API in
 * batches, one `Idempotency-Key` per batch, from a few lanes at once. A
 * batch is retried with the same key until it is acknowledged (201 written,
 * 200 a repeat answered with the original ids): after a network error
 * (the Worker was killed, or the bridge dropped the API's request), after
 * any 5xx, and after 409 `idempotency_in_progress` (once Retry-After has
 * passed). The API's idempotency is what makes that exactly-once; the
 * accounting checks it. Any other answer is a bug, recorded as rejected.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { drawDelayMs } from "./delayed.js";
import type { Order } from "./workload.js";

export interface ProducerOptions {
  apiUrl: string;
  token: string;
  stream: string;
  orders: readonly Order[];
  /** Messages per POST. @default 100 */
  batchSize?: number;
  /** POSTs in flight at once. @default 4 */
  lanes?: number;
  /** Makes this drill's keys unlike any earlier drill's on the same Redis. */
  keyPrefix: string;
  /** Share of batches sent with `notBefore` (delayed.ts), drawn from `random`. @default 0 */
  delayed?: number;
  random?: () => number;
  /** A batch not acknowledged by then is given up: its orders are indeterminate. @default 180_000 */
  giveUpMs?: number;
  signal?: AbortSignal;
}

export interface ProducerStats {
  posts: number;
  /** 201: written by this POST. */
  created: number;
  /** 200: a repeat of a key whose batch was already written, answered with the original ids. */
  repeated: number;
  /** Retries, by what caused them: `network`, `503 redis_unavailable`, `409 idempotency_in_progress` … */
  retries: Record<string, number>;
  /** Answers that are not retried: a bug in the API or in the drill. */
  rejected: { batch: string; status: number; body: string }[];
  givenUp: number;
}

export interface Produced {
  /** Order key → the stream id the API acknowledged for it. */
  acked: Map<string, string>;
  /** Orders whose batch was never acknowledged (given up, or rejected): they may or may not be in the stream. */
  indeterminate: string[];
  /** Delayed orders: order key → the `notBefore` its batch asked for. */
  dueAt: Map<string, number>;
  stats: ProducerStats;
  durationMs: number;
}

export async function produce(options: ProducerOptions): Promise<Produced> {
  const { orders, batchSize = 100, lanes = 4, giveUpMs = 180_000, signal } = options;
  const started = Date.now();
  const stats: ProducerStats = { posts: 0, created: 0, repeated: 0, retries: {}, rejected: [], givenUp: 0 };
  const acked = new Map<string, string>();
  const indeterminate: string[] = [];
  const dueAt = new Map<string, number>();
  const delays = batchesOf(orders.length, batchSize).map(() => (options.random && options.random() < (options.delayed ?? 0) ? drawDelayMs(options.random) : undefined));
  const batches: Order[][] = [];
  for (let i = 0; i < orders.length; i += batchSize) batches.push(orders.slice(i, i + batchSize));
  let next = 0;

  async function lane(): Promise<void> {
    while (next < batches.length && !signal?.aborted) {
      const index = next++;
      const batch = batches[index]!;
      const delayMs = delays[index];
      // Fixed before the first try: every repeat under the key asks for the same time.
      const notBefore = delayMs === undefined ? undefined : Date.now() + delayMs;
      const ids = await sendBatch(options, `${options.keyPrefix}-b${index}`, batch, stats, giveUpMs, notBefore);
      if (!ids) {
        indeterminate.push(...batch.map((o) => o.key));
        continue;
      }
      batch.forEach((o, i) => acked.set(o.key, ids[i]!));
      if (notBefore !== undefined) batch.forEach((o) => dueAt.set(o.key, notBefore));
    }
  }
  await Promise.all(Array.from({ length: Math.min(lanes, batches.length) }, lane));
  return { acked, indeterminate, dueAt, stats, durationMs: Date.now() - started };
}

const batchesOf = (n: number, size: number): number[] => Array.from({ length: Math.ceil(n / size) }, (_, i) => i);

async function sendBatch(o: ProducerOptions, key: string, batch: Order[], stats: ProducerStats, giveUpMs: number, notBefore: number | undefined): Promise<string[] | undefined> {
  const deadline = Date.now() + giveUpMs;
  const body = JSON.stringify(batch.map((order) => order.fields));
  const retry = (reason: string) => (stats.retries[reason] = (stats.retries[reason] ?? 0) + 1);
  for (let attempt = 0; ; attempt++) {
    if (o.signal?.aborted) return undefined;
    if (Date.now() > deadline) {
      stats.givenUp += 1;
      return undefined;
    }
    let waitMs = Math.min(3_000, 100 * 2 ** Math.min(attempt, 5));
    stats.posts += 1;
    try {
      const query = notBefore === undefined ? "" : `?notBefore=${notBefore}`;
      const response = await fetch(`${o.apiUrl}/streams/${encodeURIComponent(o.stream)}/messages${query}`, {
        method: "POST",
        headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json", "idempotency-key": key },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (response.status === 201 || response.status === 200) {
        const ids = (JSON.parse(text) as { ids?: unknown }).ids;
        if (Array.isArray(ids) && ids.length === batch.length) {
          stats[response.status === 201 ? "created" : "repeated"] += 1;
          return ids as string[];
        }
        stats.rejected.push({ batch: key, status: response.status, body: `expected ${batch.length} ids: ${text.slice(0, 300)}` });
        return undefined;
      }
      const code = errorCode(text);
      if (response.status >= 500 || (response.status === 409 && code === "idempotency_in_progress")) {
        retry(`${response.status} ${code}`);
        if (response.status === 409) waitMs = 1_000 * Math.max(1, Number(response.headers.get("retry-after")) || 1);
      } else {
        stats.rejected.push({ batch: key, status: response.status, body: text.slice(0, 300) });
        return undefined;
      }
    } catch {
      retry("network");
    }
    await sleep(waitMs);
  }
}

function errorCode(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? "no code";
  } catch {
    return "not json";
  }
}
