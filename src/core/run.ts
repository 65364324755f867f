/**
 * One run of a polling function: recover, consume, handle, commit, report,
 * all within the run's budget. The first request (first-request.ts) learns
 * what is pending and reads the first batch. After it, each HTTP request to
 * Redis is one MULTI/EXEC that commits the finished batch (effects, XACK,
 * retries, dead letters) and fetches the next one, so a batch costs one
 * request (or a few, when it is larger than `maxRequestBytes`: see
 * split-commit.ts). Recovery comes before further new reads whenever anything
 * was pending at the start.
 */
import { traceFailures } from "./attempt-errors.js";
import { SubrequestBudget } from "./budget.js";
import { countingTransport } from "./counting-transport.js";
import type { PollingFunction } from "./define.js";
import { resolveOptions } from "./define.js";
import { RedisReplyError } from "./errors.js";
import type { Fetched, Target } from "./fetch.js";
import { emptyFetch, fromRead, readOp, readRecovery, recoverOps } from "./fetch.js";
import { gateOpenOp } from "./ensure-group.js";
import { firstRequest } from "./first-request.js";
import { handleBatch } from "./handle-batch.js";
import { delOp } from "./key-ops.js";
import { consumerName, gateKey } from "./keys.js";
import type { Op } from "./ops.js";
import { rawOp, transactionSettled } from "./ops.js";
import type { FunctionOptions } from "./options.js";
import { RETENTION_REQUESTS } from "./options.js";
import type { Vars } from "./overrides.js";
import { planBatchSize } from "./plan.js";
import type { RunReport, StopReason } from "./report.js";
import { didWork, emptyReport, replaceReportCommands, storeReportCommands } from "./report.js";
import { applyRetention } from "./retention.js";
import { sendLeadingParts, tally } from "./send-commit.js";
import { splitCommit } from "./split-commit.js";
import type { Transport } from "./transport.js";
import { verifyCommit } from "./verify-commit.js";
import { OrderedRun } from "./ordered/ordered-run.js";

export interface RunDeps {
  transport: Transport;
  /** The deployment's vars: `FN_*` overrides, and what handlers read through `ctx.env`. */
  vars: Vars;
  trigger: "cron" | "manual";
  /** Picks the consumer name from the pool; cron runs pass the minute, so consecutive ticks alternate. */
  slot?: number;
  /** Functions sharing this invocation's subrequest limit. @default 1 */
  sharers?: number;
  /** What `ctx.fetch` sends through. Pass a plain function: a binding's `fetch` must be bound to it. @default the global fetch */
  fetch?: typeof fetch;
  now?: () => number;
  /** Called once when the first read came back full: there is more backlog than this run asked for (fan-out.ts). */
  onBacklog?: () => void;
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
  const plan = () => planBatchSize(o, { elapsedMs: now() - startedAt, taken: r.read + r.reclaimed, subrequestsUsed: budget.used + reserve });
  const gate = o.noAck ? undefined : gateKey(target.stream);
  const costs = (requests: number, commands: number): RunReport => ({
    ...r,
    requests: t.requests + requests,
    commands: t.commands + commands,
    fetches: budget.fetches,
    durationMs: now() - startedAt,
  });

  // When the report is stored, the caller gets exactly what was stored.
  let stored: RunReport | undefined;
  try {
    let stop: StopReason | undefined;
    const size = () => {
      const p = plan();
      if (p.size === 0) stop = p.limit;
      return p.size;
    };
    const ordered = o.ordered ? new OrderedRun(target, o, now, startedAt) : undefined;
    const first = ordered ? await ordered.start(t, size) : await firstRequest(t, target, o, gate, size);
    // Another run holds the ordered lease: this one does nothing.
    if (!first) return { ...costs(0, 0), stopReason: "leased" };
    if (first.entries && first.requested > 0 && first.entries.length >= first.requested) deps.onBacklog?.();
    if (first.readError) r.error = `read refused: ${first.readError}`;
    let fetched: Fetched = first.entries ? fromRead(target, first.entries) : emptyFetch();
    const firstShort = countRead(r, fetched, first.requested);
    let recovering = first.pendingAtStart > 0 && !o.noAck;
    let cursor = "0-0";
    let gateOpen = first.gateOpen;
    let groupPending = first.pendingAtStart + (o.noAck ? 0 : fetched.toHandle.length);
    let requested = first.requested;
    let lastReadShort = first.entries !== undefined && firstShort;

    for (;;) {
      const batch = {
        concurrency: o.concurrency,
        handlerTimeoutMs: o.handlerTimeoutMs,
        budget,
        reservedSubrequests: 1 + reserve,
        env: deps.vars,
        fetch: deps.fetch ?? fetch,
        transport: t,
        maxDeliveries: o.maxDeliveries,
        fn,
      };
      const outcomes = ordered ? await ordered.handle(fetched, batch) : await handleBatch(fetched.toHandle, batch);
      r.handled += outcomes.filter((x) => x.ok || !x.notAttempted).length;
      traceFailures(fn.name, outcomes, r);
      // A commit larger than one request goes as several; all but the last are sent here.
      const parts = splitCommit({ fn: fn.name, ...target, options: o, outcomes, ...fetched, now: now() });
      const leading = await sendLeadingParts(t, parts, o.maxSubrequests - budget.used - reserve, r);
      if (!o.noAck) groupPending -= leading.settled;
      if (ordered && leading.unpaid > 0) {
        ordered.keepLease();
        stop ??= "subrequests";
      }
      const commit = leading.last;
      const settled = o.noAck ? 0 : commit.acked + commit.deadLettered;

      // Plan the next fetch, folded into this commit's request.
      let fetchOps: Op<unknown>[] = [];
      let kind: "read" | "recover" | undefined;
      if (!stop) {
        const next = plan();
        if (next.size === 0) stop = next.limit;
        else if (recovering) {
          fetchOps = [...recoverOps(target, o.visibilityTimeoutMs, cursor, next.size)];
          kind = "recover";
        } else if (!lastReadShort && groupPending - settled < o.maxPending) {
          fetchOps = [readOp(target, next.size, o.noAck)];
          requested = next.size;
          kind = "read";
        } else {
          r.backpressure ||= groupPending - settled >= o.maxPending;
          stop = "drained";
        }
      }
      // Keep the gate in step with what is pending, so the next run's first read obeys maxPending.
      const gateOps: Op<unknown>[] = [];
      const wantOpen = groupPending - settled < o.maxPending;
      if (gate && wantOpen !== gateOpen) {
        gateOps.push(wantOpen ? gateOpenOp(target.stream, target.group) : delOp([gate]));
        gateOpen = wantOpen;
        r.backpressure ||= !wantOpen;
      }

      const final = kind === undefined;
      if (ordered) gateOps.push(...ordered.commands(final).map(rawOp));
      const commitOps = commit.commands.map(rawOp);
      let report: RunReport | undefined;
      if (final && !o.retention && didWork(r)) {
        // Counted as if the commit succeeds; replaced below if it does not.
        const cost = costs(1, commitOps.length + gateOps.length + 2);
        report = { ...cost, ...tally(cost, commit), stopReason: stop ?? "drained" };
      }
      const reportOps = report ? storeReportCommands(report).map(rawOp) : [];
      const ops = [...commitOps, ...gateOps, ...fetchOps, ...reportOps];
      if (ops.length === 0) break;
      const results = await transactionSettled(t, ops);
      Object.assign(r, tally(r, commit));
      if (report) r.stopReason = report.stopReason;
      groupPending -= settled;
      const problems = await verifyCommit(t, commit, results.slice(0, commitOps.length), r);
      if (report) {
        stored = report;
        if (problems.found) {
          // The stored report predates its own commit's outcome: replace it with the truth.
          const corrected = costs(1, 3);
          await t.pipeline(replaceReportCommands(report, corrected)).then(() => (stored = corrected), () => undefined);
        }
      }
      if (final) break;

      const got = results.slice(commitOps.length + gateOps.length, commitOps.length + gateOps.length + fetchOps.length);
      const bad = got.find((x) => !x.ok);
      if (bad && !bad.ok) throw new RedisReplyError(bad.error);
      const values = got.map((x) => (x as { value: unknown }).value);
      if (kind === "recover") {
        const recovered = await readRecovery(t, target, values[0] as never, values[1] as never, o);
        if (recovered.note) r.error ??= recovered.note;
        fetched = recovered;
        r.reclaimed += recovered.toHandle.length + recovered.expired.length;
        r.skippedReplays += recovered.skipped.length;
        r.dropped += recovered.dropped;
        if (recovered.nextCursor === undefined) recovering = false;
        else cursor = recovered.nextCursor;
      } else {
        fetched = fromRead(target, values[0] as never);
        groupPending += o.noAck ? 0 : fetched.toHandle.length;
        lastReadShort = countRead(r, fetched, requested);
      }
    }
    r.stopReason = stop ?? "drained";
    if (o.retention && didWork(r)) {
      stored = await applyRetention(t, target.stream, o.retention, (commands) => costs(1, commands));
    }
  } catch (error) {
    r.stopReason = "error";
    r.error = describeError(error);
    stored = undefined;
  }
  if (stored === undefined && didWork(r)) {
    // Best effort after an error: the report matters most when a run fails.
    const report = costs(1, 2);
    stored = await t.pipeline(storeReportCommands(report)).then(() => report, () => undefined);
  }
  return stored ?? costs(0, 0);
}

/**
 * Counts a read in the report; answers whether it found fewer entries than it
 * asked for. Entries replayed to another group count as found: a batch of
 * them must not end the run's reading.
 */
function countRead(r: RunReport, fetched: Fetched, requested: number): boolean {
  r.read += fetched.toHandle.length;
  r.skippedReplays += fetched.skipped.length;
  return fetched.toHandle.length + fetched.skipped.length < requested;
}

const describeError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
