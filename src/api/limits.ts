/**
 * The API's size limits and thresholds, from the Worker's vars with defaults.
 * A var that is set but not a positive integer is a deployment error, named
 * in the 503 it causes, rather than a silently ignored limit.
 */
import { ConfigError } from "../core/redis/errors.js";
import type { Env } from "../env.js";

export interface Limits {
  /** Bytes of one message: field names plus values, UTF-8. @default 65_536 (`MAX_MESSAGE_BYTES`) */
  maxMessageBytes: number;
  /** Bytes of one request body. @default 1_048_576 (`MAX_REQUEST_BYTES`) */
  maxRequestBytes: number;
  /** A consumer idle this long with pending entries is reported stale. @default 300_000 (`STALE_CONSUMER_MS`) */
  staleConsumerMs: number;
}

/** Messages in one enqueue request. */
export const MAX_BATCH = 500;
/** Bytes of one field name. */
export const MAX_FIELD_NAME_BYTES = 256;

function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const text = String(raw).trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new ConfigError(`${name} must be a positive integer; got ${JSON.stringify(raw)}`);
  }
  return Number(text);
}

export function limitsFromEnv(env: Env): Limits {
  return {
    maxMessageBytes: positiveInteger(env, "MAX_MESSAGE_BYTES", 65_536),
    maxRequestBytes: positiveInteger(env, "MAX_REQUEST_BYTES", 1_048_576),
    staleConsumerMs: positiveInteger(env, "STALE_CONSUMER_MS", 300_000),
  };
}

const encoder = new TextEncoder();
export const utf8Bytes = (s: string): number => encoder.encode(s).length;
