/**
 * Step 0: the run's options (with `FN_*` overrides and the session's
 * limits), its counted transport (wrapped by the features that ask to),
 * budget, consumer name and features.
 * A bad override fails this function's run, loudly, not the whole tick.
 */
import type { PollingFunction } from "../../define/define.js";
import { resolveOptions } from "../../define/define.js";
import { leastCpuUs, leastRequests } from "../../define/options.js";
import { withLimits } from "../../define/run-limits.js";
import { featuresOf } from "../../features/index.js";
import type { RunReport } from "../../features/report.js";
import { Latencies } from "../../features/latency.js";
import { emptyReport } from "../../features/report.js";
import { SubrequestBudget } from "../../handle/budget.js";
import { emptyFetch } from "../../handle/fetched.js";
import { effectStreams } from "../../partitions/effect-streams.js";
import { countingTransport } from "../../redis/counting-transport.js";
import { consumerName } from "../../redis/keys.js";
import type { RunDeps } from "../deps.js";
import { lanePlan } from "../lane-plan.js";
import type { RunState } from "../state.js";
import { describeError } from "./describe-error.js";

export function prepare(fn: PollingFunction, deps: RunDeps): RunState | RunReport {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  let o;
  try {
    o = withLimits(resolveOptions(fn, deps.vars, deps.sharers ?? 1), deps.limits);
  } catch (error) {
    return { ...emptyReport(fn.name, "", startedAt, deps.trigger), stopReason: "error", error: describeError(error) };
  }
  const t = countingTransport(deps.transport);
  const target = { stream: fn.stream, group: fn.group, consumer: consumerName(fn.name, Math.abs(deps.slot ?? 0) % o.consumerPoolSize) };
  const s: RunState = {
    fn,
    deps,
    o,
    t,
    target,
    now,
    startedAt,
    report: emptyReport(fn.name, target.consumer, startedAt, deps.trigger),
    budget: new SubrequestBudget(() => Math.min(o.maxSubrequests, s.seat?.allowance().maxSubrequests ?? Infinity), () => s.t.requests),
    features: [],
    effectStreams: deps.functions ? effectStreams(deps.functions, fn) : undefined,
    latencies: new Latencies(),
    stopReason: undefined,
    fetched: emptyFetch(),
    recovering: false,
    lanes: lanePlan(fn.stream, o),
    lastReadShort: false,
    stored: undefined,
    seat: undefined,
    stop(reason) {
      s.stopReason ??= reason;
    },
  };
  (s as { features: RunState["features"] }).features = featuresOf(s);
  // A feature may wrap what the run sends through (ordered: the lease's fence); counted outside it, as sent by the run.
  const wrapped = s.features.reduce((inner, f) => f.transport?.(inner) ?? inner, deps.transport);
  if (wrapped !== deps.transport) (s as { t: RunState["t"] }).t = countingTransport(wrapped);
  // Its least for one batch, as the invocation reserved it (scheduled.ts): it gets its first batch however late it joins.
  const least = { subrequests: leastRequests(o), cpuUs: leastCpuUs(o) };
  if (deps.share) (s as { seat: RunState["seat"] }).seat = deps.share.join(() => ({ subrequests: s.budget.used, messages: s.report.read + s.report.reclaimed }), least);
  return s;
}
