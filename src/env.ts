/**
 * The Worker's bindings. Secrets (tokens, WEBHOOK_SECRET) come from
 * `.dev.vars` locally and `wrangler secret put` in production, never from
 * wrangler.toml. Any `FN_<NAME>_<OPTION>` var overrides a function option.
 */
export interface Env {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** Database j ≥ 1 of partitioned functions with `partitions.databases` > 1 (secrets, like the pair above). */
  [url: `UPSTASH_REDIS_REST_URL_${number}`]: string | undefined;
  [token: `UPSTASH_REDIS_REST_TOKEN_${number}`]: string | undefined;
  /** Bearer token for every API route except /health. Without it the API fails closed. */
  API_TOKEN?: string;
  /** Optional bearer token accepted on GET routes only. */
  READ_TOKEN?: string;
  /** Where the `webhook` function delivers; without it that function is skipped. */
  WEBHOOK_URL?: string;
  /** HMAC-SHA256 key for webhook signatures. */
  WEBHOOK_SECRET?: string;
  /** "false": an API enqueue starts no run, and the next tick consumes the message (see src/api/wake-after-enqueue.ts). @default on */
  WAKE_ON_ENQUEUE?: string;
  [name: string]: unknown;
}
