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
import type { Transport } from "../core/transport.js";
import { upstashTransport } from "../core/upstash-transport.js";
import type { Env } from "../env.js";

export function redisFromEnv(env: Env): Redis {
  const url = env.UPSTASH_REDIS_REST_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN;
  if (!url) throw new ConfigError("UPSTASH_REDIS_REST_URL is not set: add it to .dev.vars locally, or `wrangler secret put UPSTASH_REDIS_REST_URL`");
  if (!token) throw new ConfigError("UPSTASH_REDIS_REST_TOKEN is not set: add it to .dev.vars locally, or `wrangler secret put UPSTASH_REDIS_REST_TOKEN`");
  return new Redis({
    url,
    token,
    retry: { retries: 0 },
    automaticDeserialization: false,
    responseEncoding: false,
    enableTelemetry: false,
  });
}

/**
 * The last transport built, reused while the bindings are the same. Building
 * the client (its command table, its URL check) cost about 0.1 ms of CPU per
 * run in workerd, billed to every tick. It holds no connection and no
 * per-request state, only the read-your-writes sync token, which a later run
 * may carry on (it only asks Upstash for state at least that recent).
 */
let last: { url: string | undefined; token: string | undefined; transport: Transport } | undefined;

export function transportFromEnv(env: Env): Transport {
  const url = env.UPSTASH_REDIS_REST_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN;
  if (last && last.url === url && last.token === token) return last.transport;
  const transport = upstashTransport(redisFromEnv(env));
  last = { url, token, transport };
  return transport;
}
