/**
 * Delayed enqueue (`?delayMs=` or `?notBefore=` on the API, `{ delayMs }` or
 * `{ notBefore }` on the producer): validation, the due time, and the rule
 * that only a stream some function promotes (`delays: true`) takes delayed
 * messages. Each refusal is a 4xx naming the parameter, before anything is
 * written or any Idempotency-Key is held.
 */
import type { PollingFunction } from "../core/define/define.js";
import { resolveOptions } from "../core/define/define.js";
import { MAX_DELAY_MS } from "../core/features/delayed.js";
import type { Vars } from "../core/define/overrides.js";
import type { Fields } from "../core/redis/parse-replies.js";
import { MAX_SCRIPT_FIELDS } from "../core/redis/script.js";
import { ApiError } from "./errors.js";

/** As given: hashed for Idempotency-Key, so a repeat means the same request, whatever the time. */
export type Delay = { delayMs: number } | { notBefore: number };

const DIGITS = /^\d{1,16}$/;

function wholeMs(name: string, raw: unknown, max: number, what: string): number {
  const n = typeof raw === "string" && DIGITS.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new ApiError(400, "invalid_delay", `\`${name}\` must be ${what}; got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** The delay asked for, if any; throws a 400 naming the bad parameter. */
export function parseDelay(delayMs: unknown, notBefore: unknown, maxlen: unknown, now: number): Delay | undefined {
  if (delayMs === undefined && notBefore === undefined) return undefined;
  if (delayMs !== undefined && notBefore !== undefined) {
    throw new ApiError(400, "invalid_delay", "give one of `delayMs` and `notBefore`, not both");
  }
  if (maxlen !== undefined) {
    throw new ApiError(400, "invalid_delay", "`maxlen` cannot be combined with `delayMs` or `notBefore`: a delayed message enters its stream later, untrimmed");
  }
  if (delayMs !== undefined) return { delayMs: wholeMs("delayMs", delayMs, MAX_DELAY_MS, `a whole number of milliseconds from 0 to ${MAX_DELAY_MS} (365 days)`) };
  return { notBefore: wholeMs("notBefore", notBefore, now + MAX_DELAY_MS, `a unix time in whole milliseconds, at most 365 days from now (${now + MAX_DELAY_MS})`) };
}

export const dueAtOf = (delay: Delay, now: number): number => ("delayMs" in delay ? now + delay.delayMs : delay.notBefore);

/** 422 unless some function consuming the stream promotes delayed messages: nothing would ever deliver them. */
export function requireDelays(stream: string, consumers: readonly PollingFunction[], vars: Vars): void {
  const promotes = consumers.some((fn) => {
    try {
      return resolveOptions(fn, vars, 1).delays;
    } catch {
      return fn.options.delays === true;
    }
  });
  if (!promotes) {
    const names = consumers.map((fn) => fn.name).join(", ");
    throw new ApiError(
      422,
      "delays_disabled",
      `no function consuming ${JSON.stringify(stream)} has the option \`delays: true\` (${names}), so nothing would move a delayed message into it; turn it on for one of them (or FN_<NAME>_DELAYS=true)`,
    );
  }
}

/** The promotion script unpacks a message's fields into one XADD, which Lua bounds. */
export function checkDelayedFields(messages: readonly Fields[]): void {
  messages.forEach((m, i) => {
    const count = Object.keys(m).length;
    if (count > MAX_SCRIPT_FIELDS) throw new ApiError(400, "too_many_fields", `message ${i} has ${count} fields; a delayed message has at most ${MAX_SCRIPT_FIELDS}`);
  });
}
