/**
 * Helpers for API tests: the app driven with `app.request(path, init, env)`
 * against the real Redis behind the bridge, requests in one line, and a
 * snapshot of every key a test's functions can touch, to prove that a refused
 * request wrote nothing.
 */
import { afterAll } from "vitest";
import { inject } from "vitest";
import type { AppOptions } from "../../../src/api/app.js";
import { createApp } from "../../../src/api/app.js";
import type { ApiApp } from "../../../src/api/context.js";
import type { PollingFunction } from "../../../src/core/define/define.js";
import type { Env } from "../../../src/env.js";
import type { Fixture } from "../../support/engine.js";
import { useFixture } from "../../support/engine.js";
import type { RedisTcp } from "../../support/keys.js";
import { redisTcp } from "../../support/keys.js";

export const TOKEN = "t";
export const READ_TOKEN = "r";

export function apiEnv(extra: Partial<Env> = {}): Env {
  return {
    UPSTASH_REDIS_REST_URL: inject("bridgeUrl"),
    UPSTASH_REDIS_REST_TOKEN: inject("bridgeToken"),
    API_TOKEN: TOKEN,
    READ_TOKEN,
    ...extra,
  };
}

export interface CallOptions {
  method?: string;
  /** Sent as JSON with `Content-Type: application/json`. */
  body?: unknown;
  /** Sent as is, with `contentType` (none unless given). */
  raw?: string;
  contentType?: string;
  /** The bearer token; null sends no Authorization header. @default TOKEN */
  token?: string | null;
  headers?: Record<string, string>;
  env?: Partial<Env>;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function call(app: ApiApp, path: string, o: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...o.headers };
  const token = o.token === undefined ? TOKEN : o.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers["Content-Type"] = "application/json";
  }
  if (o.raw !== undefined) body = o.raw;
  if (o.contentType !== undefined) headers["Content-Type"] = o.contentType;
  const method = o.method ?? (body === undefined ? "GET" : "POST");
  const response = await app.request(path, { method, headers, body }, apiEnv(o.env));
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export const app = (options: AppOptions) => createApp(options);

/** The unique part of a fixture function's keys (`t-<id>`, `test:stream:<id>`). */
export const idOf = (fn: PollingFunction): string => fn.name.replace(/^t-/, "");

export const enc = encodeURIComponent;

/**
 * Everything Redis holds under keys containing these ids: streams with their
 * groups, PELs and consumers (XINFO STREAM FULL), strings, lists.
 */
export async function snapshot(tcp: RedisTcp, ids: readonly string[]): Promise<Record<string, unknown>> {
  const keys = (await Promise.all(ids.map((id) => tcp.keys(`*${id}*`)))).flat().sort();
  const state: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await tcp.type(key);
    if (type === "stream") state[key] = await tcp.sendCommand(["XINFO", "STREAM", key, "FULL"]);
    else if (type === "string") state[key] = await tcp.get(key);
    else if (type === "list") state[key] = await tcp.lRange(key, 0, -1);
    else state[key] = type;
  }
  return state;
}

/** Deletes every key containing one of the ids (idempotency records, replay locks) after the file. */
export function cleanupIds(ids: () => readonly string[]): void {
  afterAll(async () => {
    const tcp = await redisTcp();
    try {
      const keys = (await Promise.all(ids().map((id) => tcp.keys(`*${id}*`)))).flat();
      if (keys.length > 0) await tcp.del(keys);
    } finally {
      tcp.destroy();
    }
  });
}

export interface ApiFixture {
  f: Fixture;
  /** Registers a function made elsewhere for cleanup of the keys the API writes for it. */
  track(fn: PollingFunction): PollingFunction;
  /** A function on fresh keys behind its own app; `s` is its stream's path prefix. */
  setup(def?: FunctionDef, options?: Omit<AppOptions, "functions">): { fn: PollingFunction; api: ApiApp; s: string };
}

type FunctionDef = Parameters<Fixture["fn"]>[0];

/** `useFixture()` plus cleanup of idempotency records and replay locks, for API test files. */
export function useApiFixture(): ApiFixture {
  const f = useFixture();
  const ids: string[] = [];
  cleanupIds(() => ids);
  const track = (fn: PollingFunction) => {
    ids.push(idOf(fn));
    return fn;
  };
  return {
    f,
    track,
    setup(def = { handle: async () => {} }, options = {}) {
      const fn = track(f.fn(def));
      return { fn, api: app({ functions: [fn], ...options }), s: `/streams/${enc(fn.stream)}` };
    },
  };
}
