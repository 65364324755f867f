/**
 * `createWorker({ functions })`: everything a Worker needs in one object, to
 * use as its default export. `fetch` is the HTTP API and dashboard; `scheduled`
 * runs the functions whose cron fired. Both pieces are also exported on their
 * own (`createApi`, `createScheduled`) for a Worker that composes them with
 * its own routes and crons.
 *
 * The types here are structural on purpose: the package works with or without
 * `@cloudflare/workers-types`, and `satisfies ExportedHandler<Env>` still holds.
 */
import type { ApiApp } from "../api/context.js";
import { createApp } from "../api/app.js";
import type { PollingFunction } from "../core/define/define.js";
import type { Transport } from "../core/redis/transport.js";
import type { Env } from "../env.js";
import { checkFunctions } from "./check-functions.js";
import { transportFromEnv } from "./redis.js";
import { runScheduled } from "./scheduled.js";

export interface WorkerOptions {
  /** Every polling function this Worker runs. Each cron it names must also be in wrangler.toml. */
  functions: readonly PollingFunction[];
  /**
   * How to reach Redis from the bindings.
   * @default the official @upstash/redis client from UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN
   * (and `routedTransport` over `_<j>` pairs when partitions spread over several databases)
   */
  transport?: (env: Env) => Transport;
}

/** What `scheduled()` receives; a subset of Cloudflare's ScheduledController. */
export interface CronEvent {
  cron: string;
  scheduledTime: number;
}

/** A subset of Cloudflare's ExecutionContext. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

export type ScheduledHandler = (controller: CronEvent, env: Env, ctx: WaitUntil) => Promise<void>;

export function createScheduled(options: WorkerOptions): ScheduledHandler {
  const functions = checkFunctions(options.functions);
  const { transport = (env: Env) => transportFromEnv(env, functions) } = options;
  return async function scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(functions, controller.cron, controller.scheduledTime, env, transport(env)));
  };
}

/** The API sees members, not partitioned functions: each member is listed, run, paused and inspected like any function. */
export function createApi(options: WorkerOptions): ApiApp {
  const functions = checkFunctions(options.functions);
  return createApp({ functions, transport: options.transport ?? ((env) => transportFromEnv(env, functions)) });
}

/** Exactly the handlers a Worker's default export may carry; `createApi` gives the Hono app itself. */
export interface CronsumerWorker {
  fetch: ApiApp["fetch"];
  scheduled: ScheduledHandler;
}

export function createWorker(options: WorkerOptions): CronsumerWorker {
  return { fetch: createApi(options).fetch, scheduled: createScheduled(options) };
}
