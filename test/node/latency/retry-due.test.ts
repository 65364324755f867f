/** Which retries a session waits for: exactly those the commit leaves in the PEL. Pure logic, as a table. */
import { describe, expect, it } from "vitest";
import type { Outcome } from "../../../src/core/handle/attempt-context.js";
import { defaultOptions } from "../../../src/core/define/options.js";
import { soonestRetryMs } from "../../../src/core/run/retry-due.js";

const o = { ...defaultOptions("s"), visibilityTimeoutMs: 60_000, maxDeliveries: 3 };
const failed = (attempt: number, extra: Partial<Extract<Outcome, { ok: false }>> = {}): Outcome => ({
  message: { id: `1-${attempt}`, stream: "s", group: "g", fields: { a: "1" }, attempt },
  ok: false,
  permanent: false,
  error: "boom",
  ...extra,
});

describe("soonestRetryMs", () => {
  it.each([
    ["the handler's own delay", [failed(1, { delayMs: 2_000 })], o, 2_000],
    ["the soonest of several", [failed(1, { delayMs: 5_000 }), failed(1, { delayMs: 1_500 })], o, 1_500],
    ["a permanent failure is dead-lettered, not retried", [failed(1, { delayMs: 2_000, permanent: true })], o, undefined],
    ["the last delivery is dead-lettered", [failed(3, { delayMs: 2_000 })], o, undefined],
    ["a message put back unattempted is not a retry", [failed(1, { delayMs: 2_000, notAttempted: true })], o, undefined],
    ["without delays, a long delay is capped at the visibility timeout", [failed(1, { delayMs: 3_600_000 })], o, 60_000],
    ["with delays, a long delay leaves the PEL: nothing to wait for", [failed(1, { delayMs: 3_600_000 })], { ...o, delays: true }, undefined],
    ["with delays, a parked retry does not hide a short one", [failed(1, { delayMs: 3_600_000 }), failed(1, { delayMs: 900 })], { ...o, delays: true }, 900],
  ])("%s", (_, outcomes, options, expected) => {
    expect(soonestRetryMs(outcomes as Outcome[], options)).toBe(expected);
  });
});
