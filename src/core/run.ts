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
import { effectStreams } from "./effect-streams.js";
import { delOp } from "./key-ops.js";
import { consumerName, gateKey } from "./keys.js";
import type { Op } from "./ops.js";
import { rawOp, transactionSettled } from "./ops.js";
import type { FunctionOptions } from "./options.js";
import { RETENTION_REQUESTS } from "./options.js";
import { sinceEnqueue, summarizeLatency } from "./latency.js";
import type { Vars } from "./overrides.js";
import { isPausedError } from "./pause.js";
import { planBatchSize } from "./plan.js";
import type { RunLimits } from "./run-limits.js";
import { withLimits } from "./run-limits.js";
import { soonestRetryMs } from "./retry-due.js";
import { HELD_BACK_DELAY_MS, leaseBatch } from "./key-leases.js";
import { RateTokens, slowDownOp } from "./rate-limit.js";
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
  trigger: RunReport["trigger"];
  /** Picks the consumer name from the pool; cron runs pass the minute, so consecutive ticks alternate. */
  slot?: number;
  /** Functions sharing this invocation's subrequest limit. @default 1 */
  sharers?: number;
  /** What `ctx.fetch` sends through. Pass a plain function: a binding's `fetch` must be bound to it. @default the global fetch */
  fetch?: typeof fetch;
  now?: () => number;
  /** What is left of a longer budget this run is part of (run-session.ts): caps `maxRunMs` and `maxSubrequests`. */
  limits?: RunLimits;
  /** Told the soonest delay among the retries each commit parked, once that commit went through. */
  onRetryParked?: (delayMs: number) => void;
  /** Called once when the first read came back full: there is more backlog than this run asked for (fan-out.ts). */
  onBacklog?: () => void;
  /** Every function of the deployment (partition members included), so effects onto a partitioned stream reach its partition (effect-streams.ts). */
  functions?: readonly PollingFunction[];
}

export async function runFunction(fn: PollingFunction, deps: RunDeps): Promise<RunReport> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  let o: FunctionOptions;
  try {
    o = withLimits(resolveOptions(fn, deps.vars, deps.sharers ?? 1), deps.limits);
  } catch (error) {
    // A bad FN_* override fails this function's run, loudly, not the whole cron tick.
    return { ...emptyReport(fn.name, "", startedAt, deps.trigger), stopReason: "error", error: describeError(error) };
  }
  const target: Target = { stream: fn.stream, group: fn.group, consumer: consumerName(fn.name, Math.abs(deps.slot ?? 0) % o.consumerPoolSize) };
  // Ordered: every transaction after the lease is fenced by it (ordered/fence.ts).
  const ordered = o.ordered ? new OrderedRun(target, o, now, startedAt) : undefined;
  const t = countingTransport(ordered ? ordered.fence(deps.transport) : deps.transport);
  const routeEffects = deps.functions ? effectStreams(deps.functions, fn) : undefined;
  const budget = new SubrequestBudget(o.maxSubrequests, () => t.requests);
  const r = emptyReport(fn.name, target.consumer, startedAt, deps.trigger);
  const reserve = o.retention ? RETENTION_REQUESTS : 0;
  // keyConcurrency leases each batch in a request of its own.
  const leaseRequests = o.keyConcurrency ? 1 : 0;
  const plan = () => planBatchSize(o, { elapsedMs: now() - startedAt, taken: r.read + r.reclaimed, subrequestsUsed: budget.used + reserve + leaseRequests });
  const gate = o.noAck ? undefined : gateKey(target.stream);
  const latencies: number[] = [];
  const costs = (requests: number, commands: number): RunReport => ({
    ...r,
    ...latencyField(latencies),
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
    const rate = o.rateLimit ? new RateTokens(target.stream, target.group, o.rateLimit) : undefined;
    const first = ordered
      ? await ordered.start(t, size)
      : await firstRequest(t, target, o, gate, size, rate && { extra: rate.reserveOps(o.batchSize, now()), absorb: (values) => rate.absorb(values) }, now);
    // Another run holds the ordered lease: this one does nothing.
    if (!first) return { ...costs(0, 0), stopReason: "leased" };
    // Paused: stop before any recovery (XAUTOCLAIM would charge deliveries); an idle-sized tick, nothing stored.
    if (first.paused) return { ...costs(0, 0), stopReason: "paused" };
    if (first.entries && first.requested > 0 && first.entries.length >= first.requested) deps.onBacklog?.();
    if (first.readError) r.error = `read refused: ${first.readError}`;
    if (first.promoteError) r.error ??= `delayed messages not promoted: ${first.promoteError}`;
    let fetched: Fetched = first.entries ? fromRead(target, first.entries) : emptyFetch();
    const firstShort = countRead(r, fetched, first.requested);
    let recovering = first.pendingAtStart > 0 && !o.noAck;
    let cursor = "0-0";
    let gateOpen = first.gateOpen;
    let groupPending = first.pendingAtStart + (o.noAck ? 0 : fetched.toHandle.length);
    let requested = first.requested;
    // Messages promoted after the first read was sent are read next, even when that read came back short.
    let lastReadShort = first.entries !== undefined && firstShort && !first.promotedAfterRead;

    // A handler's slow-down (ctx.slowDown, RetryError … slowFunction): written for the other runs, obeyed here.
    let slowFor = 0;
    for (;;) {
      // keyConcurrency: lease each keyed message before handling; the others go back uncharged.
      let leaseRelease: Op<unknown>[] = [];
      if (o.keyConcurrency && fetched.toHandle.length > 0) {
        const leased = await leaseBatch(t, target, o.keyConcurrency, fetched.toHandle, now(), o.visibilityTimeoutMs);
        leaseRelease = leased.release;
        if (leased.heldBack.length > 0) {
          r.heldBack = (r.heldBack ?? 0) + leased.heldBack.length;
          const back = o.noAck ? [] : leased.heldBack.map((m) => ({ id: m.id, retryCount: m.attempt - 1 - (m.priorDeliveries ?? 0), delayMs: HELD_BACK_DELAY_MS }));
          fetched = { ...fetched, toHandle: leased.toHandle, released: [...fetched.released, ...back] };
        }
      }
      const batch = {
        slowDown: (ms: number) => void (slowFor = Math.max(slowFor, ms)),
        concurrency: o.concurrency,
        handlerTimeoutMs: o.handlerTimeoutMs,
        budget,
        reservedSubrequests: 1 + reserve,
        env: deps.vars,
        fetch: deps.fetch ?? fetch,
        transport: t,
        maxDeliveries: o.maxDeliveries,
        fn,
        ...(routeEffects ? { effectStreams: routeEffects } : {}),
      };
      const outcomes = ordered ? await ordered.handle(fetched, batch) : await handleBatch(fetched.toHandle, batch);
      for (const x of outcomes) if (!x.ok && x.slowDownMs !== undefined) slowFor = Math.max(slowFor, x.slowDownMs);
      const slowOps = slowFor > 0 ? [slowDownOp(target.stream, target.group, now(), slowFor)] : [];
      if (slowFor > 0) rate?.slowDown(now() + slowFor);
      // Without a rate limit nothing reads the slow-down before reading: this run stops reading, and the next runs go on.
      if (slowFor > 0 && !rate) stop ??= "rateLimit";
      slowFor = 0;
      r.handled += outcomes.filter((x) => x.ok || !x.notAttempted).length;
      traceFailures(fn.name, outcomes, r);
      const committing = now();
      for (const x of outcomes) if (x.ok) latencies.push(sinceEnqueue(x.message.id, committing));
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
      let rateOps: Op<unknown>[] = [];
      let kind: "read" | "recover" | "reserve" | undefined;
      if (!stop) {
        const next = plan();
        const wants = recovering || (!lastReadShort && groupPending - settled < o.maxPending);
        // With a rate limit, fetch only what the run holds tokens for, and reserve the next batch's beside it.
        const size = rate && wants && next.size > 0 ? rate.take(next.size, now()) : next.size;
        // A run with nothing left to read is drained, whichever budget would also have stopped it.
        if (next.size === 0) stop = !recovering && lastReadShort ? "drained" : next.limit;
        else if (wants && size === 0) {
          const waitMs = rate!.waitMs(now());
          if (now() - startedAt + waitMs + o.handlerTimeoutMs > o.maxRunMs) stop = "rateLimit";
          else if (commitOps0(commit) > 0 && waitMs > 0) kind = "reserve"; // commit first, then wait
          else {
            if (waitMs > 0) await sleep(waitMs);
            rateOps = rate!.reserveOps(o.batchSize, now());
            kind = "reserve";
          }
        } else if (recovering) {
          fetchOps = [...recoverOps(target, o.visibilityTimeoutMs, cursor, size)];
          kind = "recover";
        } else if (wants) {
          fetchOps = [readOp(target, size, o.noAck)];
          requested = size;
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

      if (rate && (kind === "read" || kind === "recover")) rateOps = rate.reserveOps(o.batchSize, now());
      const final = kind === undefined;
      // Tokens left over go back while their window lasts.
      if (rate && final) rateOps = rate.refundOps(now());
      gateOps.push(...slowOps, ...leaseRelease);
      if (ordered) gateOps.push(...ordered.commands(final).map(rawOp));
      const commitOps = commit.commands.map(rawOp);
      let report: RunReport | undefined;
      if (final && !o.retention && didWork(r)) {
        // Counted as if the commit succeeds; replaced below if it does not.
        const cost = costs(1, commitOps.length + gateOps.length + rateOps.length + 2);
        report = { ...cost, ...tally(cost, commit), stopReason: stop ?? "drained" };
      }
      const reportOps = report ? storeReportCommands(report).map(rawOp) : [];
      const ops = [...commitOps, ...gateOps, ...fetchOps, ...rateOps, ...reportOps];
      if (ops.length === 0) break;
      const results = await transactionSettled(t, ops);
      const parked = deps.onRetryParked && soonestRetryMs(outcomes, o);
      if (parked !== undefined && parked !== 0) deps.onRetryParked!(parked);
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

      const fetchAt = commitOps.length + gateOps.length;
      const rateGot = results.slice(fetchAt + fetchOps.length, fetchAt + fetchOps.length + rateOps.length);
      if (rate && rateOps.length > 0 && rateGot.every((x) => x.ok)) rate.absorb(rateGot.map((x) => (x as { value: unknown }).value));
      const got = results.slice(fetchAt, fetchAt + fetchOps.length);
      const bad = got.find((x) => !x.ok);
      if (bad && !bad.ok && kind === "read" && isPausedError(bad.error)) {
        // Paused while this run went on: it reads no more.
        stop = "paused";
        break;
      }
      if (bad && !bad.ok) throw new RedisReplyError(bad.error);
      const values = got.map((x) => (x as { value: unknown }).value);
      if (kind === "reserve") fetched = emptyFetch();
      else if (kind === "recover") {
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

/** Present only when the run acknowledged something, so idle and failing runs' reports stay as they were. */
function latencyField(values: readonly number[]): Pick<RunReport, "latencyMs"> {
  const latencyMs = summarizeLatency(values);
  return latencyMs ? { latencyMs } : {};
}

const describeError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

const commitOps0 = (commit: { commands: readonly unknown[] }): number => commit.commands.length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
