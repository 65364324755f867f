/**
 * The Redis client the Worker uses, built from its bindings.
 * - `retry: { retries: 0 }`: the client otherwise re-sends a request whose
 *   connection dropped, and a commit whose outcome is unknown must never be
 *   sent twice; redelivery settles it. (`retry: false` is not enough: in
 *   @upstash/redis 1.39 it still makes two attempts.)
 * - `automaticDeserialization: false`: field values stay the strings that
 *   were enqueued; the engine parses replies itself.
 * - `responseEncoding: false`: replies come as plain JSON strings, not
 *   base64. The client decodes base64 string by string (`atob`, a byte copy
 *   and a new TextDecoder each), which was the largest CPU cost per message
 *   in workerd; the strings it yields are the same (both paths decode UTF-8).
 */
import { Redis } from "@upstash/redis/cloudflare";
import { ConfigError } from "../core/redis/errors.js";
import { coalescingTransport } from "../core/redis/coalescing-transport.js";
import type { PollingFunction } from "../core/define/define.js";
import { defaultOptions } from "../core/define/options.js";
import { routedTransport } from "../core/partitions/routed-transport.js";
import type { Transport } from "../core/redis/transport.js";
import { upstashTransport } from "../core/redis/upstash-transport.js";
import type { Env } from "../env.js";

/** Database 0 is `UPSTASH_REDIS_REST_URL`/`_TOKEN`; database j ≥ 1 (partitions.databases) is `UPSTASH_REDIS_REST_URL_<j>`/`_TOKEN_<j>`. */
export function redisFromEnv(env: Env, database = 0): Redis {
  const suffix = database === 0 ? "" : `_${database}`;
  const url = env[`UPSTASH_REDIS_REST_URL${suffix}`];
  const token = env[`UPSTASH_REDIS_REST_TOKEN${suffix}`];
  if (typeof url !== "string" || !url) throw missing(`UPSTASH_REDIS_REST_URL${suffix}`, database);
  if (typeof token !== "string" || !token) throw missing(`UPSTASH_REDIS_REST_TOKEN${suffix}`, database);
  return new Redis({
    url,
    token,
    retry: { retries: 0 },
    automaticDeserialization: false,
    responseEncoding: false,
    enableTelemetry: false,
  });
}

const missing = (name: string, database: number) =>
  new ConfigError(`${name} is not set${database > 0 ? ` (database ${database} of a partitioned function's \`partitions.databases\`)` : ""}: add it to .dev.vars locally, or \`wrangler secret put ${name}\``);

/**
 * The last client built for each database, reused while its URL and token are
 * the same. Building the client (its command table, its URL check) cost about
 * 0.1 ms of CPU per run in workerd, billed to every tick. It holds no
 * connection and no per-request state, only the read-your-writes sync token,
 * which a later run may carry on (it only asks Upstash for state at least
 * that recent). The coalescer is never reused: it holds requests in flight,
 * and one invocation must not send, or wait on, another's I/O.
 */
const clients = new Map<number, { url: unknown; token: unknown; transport: Transport }>();

/** Database `database`'s client, built once per URL and token. */
export function databaseTransport(env: Env, database: number): Transport {
  const suffix = database === 0 ? "" : `_${database}`;
  const url = env[`UPSTASH_REDIS_REST_URL${suffix}`];
  const token = env[`UPSTASH_REDIS_REST_TOKEN${suffix}`];
  const last = clients.get(database);
  if (last && last.url === url && last.token === token) return last.transport;
  const transport = upstashTransport(redisFromEnv(env, database));
  clients.set(database, { url, token, transport });
  return transport;
}

/**
 * The engine's transport for one invocation: each database's requests issued
 * together, by every function the invocation runs, are merged
 * (coalescing-transport.ts), so an idle tick of N functions is one request;
 * with several databases a routing transport sends each request to its own
 * (routed-transport.ts). Built per invocation: one must never wait on
 * another's I/O.
 */
export function transportFromEnv(env: Env, functions: readonly PollingFunction[] = []): Transport {
  const specs = functions.flatMap((fn) => fn.partitionOf?.spec ?? fn.partitions ?? []);
  const caps = functions.map((fn) => fn.options.maxRequestBytes ?? defaultOptions(fn.stream).maxRequestBytes);
  const maxRequestBytes = caps.length > 0 ? Math.min(...caps) : defaultOptions("").maxRequestBytes;
  const count = Math.max(1, ...specs.map((p) => p.databases ?? 1));
  const databases = Array.from({ length: count }, (_, j) => coalescingTransport(databaseTransport(env, j), { maxRequestBytes }));
  return count === 1 ? databases[0]! : routedTransport(databases, functions);
}
