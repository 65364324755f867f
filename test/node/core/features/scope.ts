/** A run's scope with plain values, for testing one feature module alone. */
import { defaultOptions, type FunctionOptions } from "../../../../src/core/define/options.js";
import type { RunScope } from "../../../../src/core/features/feature.js";
import { emptyReport, type StopReason } from "../../../../src/core/features/report.js";
import type { Delivered } from "../../../../src/core/define/define.js";

export function scope(options: Partial<FunctionOptions> = {}, at = 1_000_000): RunScope & { stops: StopReason[]; clock: { now: number } } {
  const clock = { now: at };
  const stops: StopReason[] = [];
  return {
    o: { ...defaultOptions("s"), ...options },
    target: { stream: "s", group: "g", consumer: "c" },
    startedAt: at,
    now: () => clock.now,
    report: emptyReport("f", "c", at, "cron"),
    stop: (reason) => void stops.push(reason),
    stops,
    clock,
  };
}

export const message = (id: string, fields: Record<string, string> = {}, attempt = 1): Delivered => ({ id, stream: "s", group: "g", fields, attempt });
