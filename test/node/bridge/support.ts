/**
 * Shared by the bridge conformance tests: raw HTTP calls where the official
 * client cannot express the request, and private bridges (faults, limits,
 * latency) over the global test Redis.
 */
import { randomBytes } from "node:crypto";
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import { inject } from "vitest";
import type { Backend } from "../../../src/dev/bridge/backend.js";
import { createRedisBackend } from "../../../src/dev/bridge/redis-backend.js";
import { startBridge, type BridgeHandle, type BridgeOptions } from "../../../src/dev/bridge/server.js";

export interface RawResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; every bridge answer is JSON. */
  json: unknown;
  contentType: string | null;
}

export interface RawOptions {
  url?: string;
  /** `null` sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
  method?: string;
  /** Aborts the request, e.g. `AbortSignal.timeout(ms)` where a hang must fail the test. */
  signal?: AbortSignal;
}

/** POSTs `body` (sent as is when a string, else JSON-encoded) to the bridge. */
export async function raw(path: string, body: unknown, options: RawOptions = {}): Promise<RawResponse> {
  const { url = inject("bridgeUrl"), token = inject("bridgeToken"), headers = {}, method = "POST", signal } = options;
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...headers },
    body: method === "GET" || method === "HEAD" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: JSON.parse(text) as unknown,
    contentType: response.headers.get("content-type"),
  };
}

export interface PrivateBridge {
  bridge: BridgeHandle;
  token: string;
  /** The official client pointed at this bridge. */
  client(overrides?: Partial<RedisConfigNodejs>): Redis;
  close(): Promise<void>;
}

/** A bridge of its own over the global test Redis, for options the shared one lacks. */
export async function privateBridge(options: Partial<Omit<BridgeOptions, "backend" | "token">> = {}): Promise<PrivateBridge> {
  const backend: Backend = await createRedisBackend(inject("redisUrl"));
  const token = randomBytes(16).toString("hex");
  const bridge = await startBridge({ ...options, backend, token });
  return {
    bridge,
    token,
    client: (overrides = {}) => new Redis({ url: bridge.url, token, enableTelemetry: false, ...overrides }),
    async close() {
      await bridge.close();
      await backend.close();
    },
  };
}
