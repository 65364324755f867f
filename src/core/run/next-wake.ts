/**
 * When a session's next run should start (run-session.ts): the soonest of a
 * due retry, the end of the wake lease and the next poll, keeping only a
 * moment at which a batch could still be read and committed: enough of
 * `maxRunMs` left for one handler timeout, and of `maxSubrequests` for a
 * read, a commit and each message's fetches. Undefined: end the session.
 */
import type { FunctionOptions } from "../define/options.js";
import { RETENTION_REQUESTS } from "../define/options.js";

export interface WakeInput {
  now: number;
  startedAt: number;
  /** Subrequests the session's runs have used. */
  used: number;
  options: FunctionOptions;
  retryAt?: number | undefined;
  quietAt?: number | undefined;
  pollAt?: number | undefined;
}

/** Past the moment a retry becomes due: the reclaim must find it idle for the full visibility timeout. */
export const RETRY_SLACK_MS = 5;

export function nextWake({ now, startedAt, used, options: o, retryAt, quietAt, pollAt }: WakeInput): number | undefined {
  const least = 2 + o.fetchesPerMessage + (o.retention ? RETENTION_REQUESTS : 0);
  if (o.maxSubrequests - used < least) return undefined;
  const fits = (at: number) => at - startedAt + o.handlerTimeoutMs <= o.maxRunMs;
  const candidates = [retryAt === undefined ? undefined : retryAt + RETRY_SLACK_MS, quietAt, pollAt];
  let wake: number | undefined;
  for (const at of candidates) {
    if (at === undefined || !fits(Math.max(at, now))) continue;
    wake = wake === undefined ? at : Math.min(wake, at);
  }
  return wake === undefined ? undefined : Math.max(wake, now);
}
