/**
 * Helpers for polling-function tests inside workerd: the engine's transport
 * built exactly as the Worker builds it (`@upstash/redis/cloudflare` against
 * the bridge), an independent view of Redis through the same client with
 * raw replies, functions on fresh keys, and the receiver's boxes.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, inject } from "vitest";
import type { PollingFunction, PollingFunctionDefinition } from "../../src/core/define/define.js";
import { definePollingFunction } from "../../src/core/define/define.js";
import { attemptErrorsKey, gateKey, pauseKey, reportsKey } from "../../src/core/redis/keys.js";
import type { Received } from "../support/receiver.js";
import type { Env } from "../../src/env.js";
import { transportFromEnv } from "../../src/functions/redis.js";

export const bindings = env as unknown as Env;
export const transport = transportFromEnv(bindings);
/** Raw replies (no JSON parsing), to read what Redis holds. */
export const redis = new Redis({ url: bindings.UPSTASH_REDIS_REST_URL!, token: bindings.UPSTASH_REDIS_REST_TOKEN!, automaticDeserialization: false, enableTelemetry: false });
export const receiverUrl = inject("receiverUrl");
export const receiverSecret = inject("receiverSecret");

/**
 * The Workers vitest pool replaces `globalThis.fetch` with a JS arrow
 * function (its fetch-mock shim), which forgives any `this`; workerd's own
 * fetch, on ServiceWorkerGlobalScope.prototype, throws "Illegal invocation"
 * when called as a method of another object. Tests of code that fetches
 * must meet the fetch a deployed Worker gets, so this file uses the native
 * one while it runs.
 */
export function useNativeFetch(): void {
  const shim = Object.getOwnPropertyDescriptor(globalThis, "fetch");
  const native = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(globalThis), "fetch");
  beforeAll(() => {
    if (shim && native) delete (globalThis as { fetch?: unknown }).fetch;
    if (globalThis.fetch.toString().includes("native code") === false) throw new Error("useNativeFetch: could not reach workerd's own fetch");
  });
  afterAll(() => {
    if (shim && native) Object.defineProperty(globalThis, "fetch", shim);
  });
}

const keys: string[] = [];
afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
});

/** A function on fresh keys, cleaned up after the file; options small enough for a retry within a second. */
export function freshFunction(def: Partial<PollingFunctionDefinition> & Pick<PollingFunctionDefinition, "handle">): PollingFunction {
  const id = crypto.randomUUID().slice(0, 8);
  const stream = `test:workerd:${id}`;
  const fn = definePollingFunction({
    name: `w-${id}`,
    stream,
    group: "g",
    crons: ["* * * * *"],
    ...def,
    options: { deadLetterStream: `${stream}:dlq`, startId: "0", ...def.options },
  });
  keys.push(stream, `${stream}:dlq`, `${stream}:effects`, reportsKey(fn.name), gateKey(stream), pauseKey(stream, fn.group), attemptErrorsKey(stream, fn.group));
  return fn;
}

export const newBox = (): string => crypto.randomUUID();

export async function box(name: string): Promise<Received[]> {
  const res = await fetch(`${receiverUrl}/box/${name}`);
  return (await res.json()) as Received[];
}

export async function pendingIds(stream: string, group: string): Promise<string[]> {
  const raw = (await redis.xpending(stream, group, "-", "+", 1000)) as unknown[][];
  return raw.map((p) => String(p[0]));
}

/** A stream's entries as `{ id, fields }` with string values, from XRANGE's raw reply. */
export async function entries(stream: string): Promise<{ id: string; fields: Record<string, string> }[]> {
  const raw = (await redis.xrange(stream, "-", "+")) as unknown as [string, string[]][];
  return raw.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    return { id, fields };
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
