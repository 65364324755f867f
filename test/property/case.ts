/**
 * One generated case against one store: its functions, what was enqueued
 * (the model the invariants compare with), the runs with their faults, the
 * clock, and the drive to quiescence once the faults stop. Runs go through
 * the public entry points only: `runFunction`, or `runSession` for
 * `pollIntervalMs`.
 */
import { enqueueDelayed } from "../../src/api/enqueue-delayed.js";
import type { PollingFunction } from "../../src/core/define/define.js";
import { routeFields } from "../../src/core/define/partitions.js";
import type { RunReport } from "../../src/core/features/report.js";
import type { RunDeps } from "../../src/core/run/deps.js";
import { runFunction } from "../../src/core/run/run.js";
import { runSession } from "../../src/core/run/run-session.js";
import { asInvocation } from "./eviction.js";
import type { Gate } from "./faults.js";
import { KilledRunError } from "./faults.js";
import type { CaseKeys } from "./functions.js";
import { LANES, messageFields, PARTITIONS } from "./functions.js";
import { laneStream, resolveLanes } from "../../src/core/define/lanes.js";
import { streamsRead } from "../../src/core/define/options.js";
import { resolveOptions } from "../../src/core/define/define.js";
import type { MessageSpec, OptionSet, RunSpec } from "./generators.js";
import { LATE_MS, RATE_PERIOD_MS } from "./generators.js";
import { History } from "./history.js";
import type { Store } from "./store.js";

export interface Enqueued extends MessageSpec {
  n: number;
  stream: string;
  /** On the case's clock; absent for an immediate message. */
  dueAt?: number;
}

export type RunOutcome = { report: RunReport } | { error: unknown } | { killed: true };

/** A run's end as a value: its report, or what it threw. */
export const settled = (running: Promise<RunReport>): Promise<RunOutcome> =>
  running.then(
    (report) => ({ report }),
    (error: unknown) => ({ error }),
  );

/** Far enough for every lease, visibility timeout and retry delay of a case to end. */
export const QUIET_STEP_MS = 30_000;
const MAX_QUIET_ROUNDS = 24;

export class Case {
  readonly enqueued: Enqueued[] = [];
  readonly history: History;
  /** Runs that met a fault; a fault-free case is held to the exact outcome. */
  faulted = 0;
  /** What went wrong outside any fault: a run that reported an error or threw. */
  readonly unexpected: string[] = [];
  quiescent = false;
  /** Every fault that struck, by kind. */
  readonly fired: string[] = [];

  constructor(
    readonly store: Store,
    readonly set: OptionSet,
    readonly keys: CaseKeys,
    readonly fns: PollingFunction[][],
  ) {
    this.history = new History(store.clock);
  }

  has(feature: string): boolean {
    return this.set.features.includes(feature as never);
  }

  /** SCAN pattern of every key of the case. */
  get pattern(): string {
    return `*pbt-${this.keys.id}*`;
  }

  /** Every stream a function reads (each lane's, with `lanes`), with its group. */
  get streams(): [string, string][] {
    return this.fns.flat().flatMap((fn) => streamsRead(fn.stream, resolveOptions(fn, {}, 1)).map((stream): [string, string] => [stream, fn.group]));
  }

  async enqueue(specs: readonly MessageSpec[]): Promise<void> {
    for (const spec of specs) {
      const key = spec.key ?? (this.has("partitions") ? "a" : undefined);
      const n = this.enqueued.length;
      const fields = messageFields(this.set, n, spec.behaviour, key);
      const routed = this.has("partitions") ? routeFields(fields, this.keys.stream, { count: PARTITIONS, key: "k" }) : { stream: this.keys.stream };
      if ("missing" in routed) throw new Error(`unroutable message ${n}`);
      // A lane derives from the stream the message routes to (a partition member's, with partitions).
      const stream = this.has("lanes") && spec.lane === "high" ? laneStream(routed.stream, resolveLanes(LANES), "high") : routed.stream;
      const entry: Enqueued = { ...spec, key, n, stream };
      this.enqueued.push(entry);
      if (spec.delayMs !== undefined && this.has("delays")) {
        entry.dueAt = this.store.clock.now() + spec.delayMs;
        await enqueueDelayed(this.store.clean, stream, [fields], this.store.storeTime(entry.dueAt));
      } else {
        delete entry.delayMs;
        await this.store.command(["XADD", stream, "*", ...Object.entries(fields).flat()]);
      }
    }
  }

  /** One run of one group's member with its faults; a killed run is left where it stopped. */
  async run(spec: RunSpec, gate?: Gate): Promise<void> {
    const members = this.fns[spec.group % this.fns.length]!;
    const fn = members[spec.member % members.length]!;
    if (spec.faults.length > 0) this.faulted += 1;
    const faults = await this.store.faulty(spec.faults, { gate, delay: () => this.store.advance(LATE_MS, this.streams, this.pattern) });
    const deps: RunDeps = { transport: faults.transport, vars: {}, trigger: "manual", slot: spec.slot, now: this.store.clock.now, functions: this.fns.flat() };
    // An invocation of its own, so that a killed run's handlers end with it (eviction.ts).
    const invocation = asInvocation(() => settled(this.start(fn, deps)));
    const outcome = await Promise.race([invocation.result, faults.killed.then(() => ({ killed: true as const }))]);
    if ("killed" in outcome) invocation.evict();
    await faults.close();
    this.fired.push(...faults.fired);
    if (spec.faults.length === 0) this.judge(fn, outcome);
  }

  /** One run of `fn` as this case runs it: a polling session with `pollIntervalMs`, one run otherwise. */
  start(fn: PollingFunction, deps: RunDeps): Promise<RunReport> {
    return this.has("pollIntervalMs") ? runSession(fn, deps, { poll: true, sleep: (ms) => this.store.clock.sleep(ms) }) : runFunction(fn, deps);
  }

  /** A run that met no fault must neither throw nor report an error. */
  judge(fn: PollingFunction, outcome: RunOutcome): void {
    if ("error" in outcome && !(outcome.error instanceof KilledRunError)) this.unexpected.push(`${fn.name} threw: ${String(outcome.error)}`);
    if ("report" in outcome && outcome.report.error !== undefined) this.unexpected.push(`${fn.name} reported: ${outcome.report.error}`);
  }

  /** A clean first run of every member on an empty stream: it creates the groups and their gates. */
  async createGroups(): Promise<void> {
    for (const [g, members] of this.fns.entries()) for (const m of members.keys()) await this.run({ group: g, member: m, slot: 0, faults: [] });
  }

  /** The clock moves on; with a rate limit it never stops within 30 s of a window's end, so no run straddles two. */
  async advance(ms: number): Promise<void> {
    let step = ms;
    if (this.has("rateLimit")) {
      const at = this.store.clock.now() + ms;
      const into = at % RATE_PERIOD_MS;
      if (into > RATE_PERIOD_MS - 30_000) step += RATE_PERIOD_MS - into + 1_000;
    }
    await this.store.advance(step, this.streams, this.pattern);
  }

  /** Faults have stopped: clean runs of every member, the clock moving on between rounds, until nothing is left to do. */
  async quiesce(): Promise<void> {
    let quiet = 0;
    for (let round = 0; round < MAX_QUIET_ROUNDS; round++) {
      const before = this.history.calls.length;
      await this.advance(this.has("rateLimit") ? RATE_PERIOD_MS : QUIET_STEP_MS);
      for (const [g, members] of this.fns.entries()) {
        for (const m of members.keys()) await this.run({ group: g, member: m, slot: round, faults: [] });
      }
      // Two rounds in a row, so a window a fault spent (or a lease still held) cannot pass for the end.
      quiet = this.history.calls.length === before && (await this.idle()) ? quiet + 1 : 0;
      if (quiet === 2) {
        this.quiescent = true;
        return;
      }
    }
  }

  /** Redis's delivery count of one pending entry, straight from the store. */
  async deliveries(stream: string, group: string, id: string): Promise<number | undefined> {
    const rows = (await this.store.command(["XPENDING", stream, group, id, id, 1])) as [string, string, number, number][];
    return rows[0]?.[3];
  }

  /** Nothing pending in any group, nothing delayed. */
  async idle(): Promise<boolean> {
    for (const [stream, group] of this.streams) {
      const summary = (await this.store.command(["XPENDING", stream, group]).catch(() => [0])) as [number];
      if (summary[0] !== 0) return false;
    }
    for (const key of await this.store.keys(`*pbt-${this.keys.id}*cronsumer-delayed`)) {
      if (((await this.store.command(["ZCARD", key])) as number) > 0) return false;
    }
    return true;
  }

  async cleanup(): Promise<void> {
    const keys = await this.store.keys(this.pattern);
    for (let i = 0; i < keys.length; i += 100) await this.store.command(["DEL", ...keys.slice(i, i + 100)]);
  }
}
