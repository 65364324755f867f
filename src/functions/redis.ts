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
import { ConfigError } from "../core/errors.js";
import type { PollingFunction } from "../core/define.js";
import { routedTransport } from "../core/routed-transport.js";
import type { Transport } from "../core/transport.js";
import { upstashTransport } from "../core/upstash-transport.js";
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
 * The engine's transport. With `functions` of which some spread partitions
 * over several databases, a routing transport over all of them
 * (routed-transport.ts); otherwise exactly the one client.
 */
export function transportFromEnv(env: Env, functions: readonly PollingFunction[] = []): Transport {
  const count = Math.max(1, ...functions.map((fn) => (fn.partitionOf?.spec ?? fn.partitions)?.databases ?? 1));
  if (count === 1) return upstashTransport(redisFromEnv(env));
  return routedTransport(Array.from({ length: count }, (_, j) => upstashTransport(redisFromEnv(env, j))), functions);
}
