/**
 * One run of a polling function: recover, consume, handle, commit, report,
 * all within the run's budget. In steady state each HTTP request to Redis is
 * one MULTI/EXEC that commits the finished batch (effects, XACK, retries,
 * dead letters) and fetches the next one, so a batch costs one request.
 *
 * The first request is a pipeline of XPENDING (summary) and XREADGROUP: an
 * idle run costs one request and two commands. Recovery runs only when the
 * summary shows pending entries.
 */
import { SubrequestBudget } from "./budget.js";
import { buildCommit } from "./commit.js";
import { xpendingSummary } from "./commands.js";
import { countingTransport } from "./counting-transport.js";
import type { PollingFunction } from "./define.js";
import { resolveOptions } from "./define.js";
import { ensureGroup, isMissingGroup } from "./ensure-group.js";
import { RedisReplyError } from "./errors.js";
import type { Fetched, Target } from "./fetch.js";
import { emptyFetch, fromRead, fromRecovery, readOp, recoverOps } from "./fetch.js";
import { handleBatch } from "./handle-batch.js";
import { consumerName } from "./keys.js";
import type { Op } from "./ops.js";
import { op, pipelineSettled, transactionSettled } from "./ops.js";
import type { Vars } from "./overrides.js";
import type { RunReport, StopReason } from "./report.js";
import { didWork, emptyReport, storeReportCommands } from "./report.js";
import { applyRetention, RETENTION_REQUESTS } from "./retention.js";
import { planBatchSize } from "./plan.js";
import type { FunctionOptions } from "./options.js";
import type { Transport } from "./transport.js";

export interface RunDeps {
  transport: Transport;
  /** The deployment's vars: `FN_*` overrides, and what handlers read through `ctx.env`. */
  vars: Vars;
  trigger: "cron" | "manual";
  /** Picks the consumer name from the pool; cron runs pass the minute, so consecutive ticks alternate. */
  slot?: number;
  /** Functions sharing this invocation's subrequest limit. @default 1 */
  sharers?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export async function runFunction(fn: PollingFunction, deps: RunDeps): Promise<RunReport> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  let o: FunctionOptions;
  try {
    o = resolveOptions(fn, deps.vars, deps.sharers ?? 1);
  } catch (error) {
    // A bad FN_* override fails this function's run, loudly, not the whole cron tick.
    return { ...emptyReport(fn.name, "", startedAt, deps.trigger), stopReason: "error", error: describeError(error) };
  }
  const t = countingTransport(deps.transport);
  const budget = new SubrequestBudget(o.maxSubrequests, () => t.requests);
  const target: Target = { stream: fn.stream, group: fn.group, consumer: consumerName(fn.name, Math.abs(deps.slot ?? 0) % o.consumerPoolSize) };
  const r = emptyReport(fn.name, target.consumer, startedAt, deps.trigger);
  const reserve = o.retention ? RETENTION_REQUESTS : 0;
  const plan = () =>
    planBatchSize(o, { elapsedMs: now() - startedAt, taken: r.read + r.reclaimed, subrequestsUsed: budget.used + reserve });

  // When the report is stored, the caller gets exactly what was stored.
  let stored: RunReport | undefined;
  try {
    // Request 1: how much is pending, and the first batch of new messages.
    let first = plan();
    const sendFirst = () => {
      const ops: Op<unknown>[] = [xpendingSummary(target.stream, target.group)];
      if (first.size > 0) ops.push(readOp(target, first.size, o.noAck));
      return pipelineSettled(t, ops);
    };
    let [summary, read] = await sendFirst();
    if (!summary!.ok && isMissingGroup(summary!.error)) {
      await ensureGroup(t, target.stream, target.group, o.startId);
      first = plan();
      [summary, read] = await sendFirst();
    }
    if (!summary!.ok) throw new RedisReplyError(summary!.error);
    if (read && !read.ok) throw new RedisReplyError(read.error);
    const pendingAtStart = (summary!.value as { count: number }).count;

    let fetched: Fetched = read ? fromRead(target, read.value as never) : emptyFetch();
    r.read += fetched.toHandle.length;
    let recovering = pendingAtStart > 0 && !o.noAck;
    let cursor = "0-0";
    let groupPending = pendingAtStart + (o.noAck ? 0 : fetched.toHandle.length);
    let requested = first.size;
    let lastReadShort = read !== undefined && fetched.toHandle.length < requested;
    let stop: StopReason | undefined = first.size === 0 ? first.limit : undefined;

    for (;;) {
      const outcomes = await handleBatch(fetched.toHandle, {
        concurrency: o.concurrency,
        handlerTimeoutMs: o.handlerTimeoutMs,
        budget,
        env: deps.vars,
        fetch: deps.fetch ?? fetch,
        handle: fn.handle,
      });
      r.handled += outcomes.length;
      const commit = buildCommit({ fn: fn.name, ...target, options: o, outcomes, ...fetched, now: now() });
      r.acked += commit.acked;
      r.retried += commit.retried;
      r.deadLettered += commit.deadLettered;
      groupPending -= o.noAck ? 0 : commit.acked + commit.deadLettered;

      // Plan the next fetch, folded into this commit's request.
      let fetchOps: Op<unknown>[] = [];
      let kind: "read" | "recover" | undefined;
      if (!stop) {
        const next = plan();
        if (next.size === 0) stop = next.limit;
        else if (recovering) {
          fetchOps = [...recoverOps(target, o.visibilityTimeoutMs, cursor, next.size)];
          kind = "recover";
        } else if (!lastReadShort && groupPending < o.maxPending) {
          fetchOps = [readOp(target, next.size, o.noAck)];
          requested = next.size;
          kind = "read";
        } else stop = "drained";
      }

      const commitOps = commit.commands.map((c) => op(c, (x) => x));
      const final = kind === undefined;
      const reportOps: Op<unknown>[] = [];
      if (final && !o.retention && didWork(r)) {
        r.requests = t.requests + 1;
        r.commands = t.commands + commitOps.length + 2;
        r.fetches = budget.fetches;
        r.durationMs = now() - startedAt;
        r.stopReason = stop ?? "drained";
        reportOps.push(...storeReportCommands(r).map((c) => op(c, (x) => x)));
      }
      const ops = [...commitOps, ...fetchOps, ...reportOps];
      if (ops.length === 0) break;
      const results = await transactionSettled(t, ops);
      const failed = results.slice(0, commitOps.length).find((x) => !x.ok);
      if (failed && !failed.ok) r.error ??= `commit: ${failed.error}`;
      if (reportOps.length > 0) stored = { ...r };
      if (final) break;

      const got = results.slice(commitOps.length, commitOps.length + fetchOps.length);
      const bad = got.find((x) => !x.ok);
      if (bad && !bad.ok) throw new RedisReplyError(bad.error);
      const values = got.map((x) => (x as { value: unknown }).value);
      if (kind === "recover") {
        const recovered = fromRecovery(target, values[0] as never, values[1] as never, o.maxDeliveries);
        fetched = recovered;
        r.reclaimed += recovered.toHandle.length + recovered.expired.length;
        r.dropped += recovered.dropped;
        if (recovered.nextCursor === undefined) recovering = false;
        else cursor = recovered.nextCursor;
      } else {
        fetched = fromRead(target, values[0] as never);
        r.read += fetched.toHandle.length;
        groupPending += o.noAck ? 0 : fetched.toHandle.length;
        lastReadShort = fetched.toHandle.length < requested;
      }
    }
    r.stopReason = stop ?? "drained";
    if (o.retention && didWork(r)) {
      await applyRetention(t, target.stream, o.retention, () => (stored = { ...finish(r, t, budget.fetches, now() - startedAt, 1, 3) }));
    }
  } catch (error) {
    r.stopReason = "error";
    r.error = describeError(error);
  }
  if (stored === undefined && didWork(r)) {
    // Best effort after an error: the report matters most when a run fails.
    const report = { ...finish(r, t, budget.fetches, now() - startedAt, 1, 2) };
    const ok = await t.pipeline(storeReportCommands(report)).then(() => true, () => false);
    if (ok) stored = report;
  }
  return stored ?? finish(r, t, budget.fetches, now() - startedAt, 0, 0);
}

/** Fills the cost fields, counting the request about to carry the report itself. */
function finish(r: RunReport, t: { requests: number; commands: number }, fetches: number, durationMs: number, requests: number, commands: number): RunReport {
  r.requests = t.requests + requests;
  r.commands = t.commands + commands;
  r.fetches = fetches;
  r.durationMs = durationMs;
  return r;
}

const describeError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
