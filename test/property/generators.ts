/**
 * What the property tests generate: an option set drawn from the combination
 * matrix, a workload (messages with or without keys and delays, each with a
 * handler behaviour), and the faults each run meets. Everything is plain
 * data, so fast-check can shrink it and print it, and a printed case replays.
 *
 * Exclusions for known defects (issue 19's findings) are made here, each
 * with the finding's number, so re-enabling one is deleting one line.
 */
import fc from "fast-check";

/** Issue 23's options: visibility extension (a cap past the handler timeout) and JSON bodies (functions.ts `visibilityAndBodies`). */
export const VISIBILITY_AND_BODIES = ["maxHandlerMs", "payload"] as const;

/** The options of the combination matrix (issue 19, item 4). */
export const MATRIX = ["ordered", "rateLimit", "keyConcurrency", "delays", "noAck", "retention", "partitions", "maxParallelRuns", "handleBatch", "schema", "pollIntervalMs", "lanes", ...VISIBILITY_AND_BODIES] as const;
export type Feature = (typeof MATRIX)[number];

export interface OptionSet {
  features: Feature[];
  /** Groups reading the stream: each is its own function, and each must get every message once. */
  groups: number;
  batchSize: number;
  concurrency: number;
  keyMax: number;
  rateLimit: number;
}

export type Behaviour = "ok" | "failOnce" | "failAlways" | "permanent" | "retry" | "slow";

export interface MessageSpec {
  behaviour: Behaviour;
  /** The key (`k` field): ordering, key concurrency and partition routing use it. */
  key?: string;
  /** Enqueued with `enqueueDelayed`, due this long after the model clock's now. */
  delayMs?: number;
  /** With `lanes`: the lane it is enqueued to (`low`, the default lane, is the stream itself). */
  lane?: "high" | "low";
}

/** A fault of one request of one run, by the request's index in that run. */
export type FaultKind = "dropBefore" | "dropAfter" | "status503" | "hang" | "throw" | "late";

/** A "late" request reaches Redis this long after it was sent: within the visibility timeout's margin for the commit. */
export const LATE_MS = 4_000;
export interface Fault {
  at: number;
  kind: FaultKind;
}

/** The visibility timeout every case uses: the smallest validation accepts for its handler timeout. */
export const VISIBILITY_MS = 9_000;
export const HANDLER_TIMEOUT_MS = 1_000;
export const MAX_DELIVERIES = 4;
/** A rate limit window long enough that no run crosses one by itself; the clock crosses them on purpose. */
export const RATE_PERIOD_MS = 600_000;
/** Retry delays a `RetryError` asks for: within the visibility timeout, and beyond it (parked with `delays`). */
export const RETRY_DELAYS_MS = [1_500, 3 * VISIBILITY_MS] as const;

/** PBT_FEATURES="a,b" makes every set include these: how a fuzz run aims at one pair. */
const forced = (process.env.PBT_FEATURES ?? "").split(",").filter((f): f is Feature => (MATRIX as readonly string[]).includes(f));
const featureSet = fc.uniqueArray(fc.constantFrom(...MATRIX), { minLength: 0, maxLength: 3 }).map((fs) => [...new Set([...forced, ...fs])]);

export const optionSetArb: fc.Arbitrary<OptionSet> = fc
  .record({
    features: featureSet,
    groups: fc.integer({ min: 1, max: 2 }),
    batchSize: fc.integer({ min: 1, max: 4 }),
    concurrency: fc.integer({ min: 1, max: 3 }),
    keyMax: fc.integer({ min: 1, max: 2 }),
    rateLimit: fc.integer({ min: 2, max: 5 }),
  })
  .filter((o) => !knownDefect(o));

/** PBT_FINDINGS="3,8" lifts those exclusions, to check a fix without editing this file. */
const lifted = new Set((process.env.PBT_FINDINGS ?? "").split(",").map((s) => s.trim()));

/** Combinations that fail today for a defect owned by someone else, by finding number (issue 19). */
function knownDefect(o: OptionSet): boolean {
  const has = (f: Feature) => o.features.includes(f);
  const excluded = (finding: number, when: boolean) => when && !lifted.has(String(finding));
  // None today: finding 2 (a parked retry re-delivered to every group) was excluded here until its fix landed.
  void has;
  void excluded;
  return false;
}

const behaviourArb = fc.constantFrom<Behaviour>("ok", "ok", "failOnce", "failAlways", "permanent", "retry", "slow");

export const messageArb: fc.Arbitrary<MessageSpec> = fc.record(
  {
    behaviour: behaviourArb,
    key: fc.constantFrom("a", "b", "c"),
    delayMs: fc.constantFrom(1_000, 20_000),
    lane: fc.constantFrom<"high" | "low">("high", "low"),
  },
  { requiredKeys: ["behaviour"] },
);

export const faultArb: fc.Arbitrary<Fault> = fc.record({
  at: fc.integer({ min: 0, max: 3 }),
  kind: fc.constantFrom<FaultKind>("dropBefore", "dropAfter", "status503", "hang", "throw", "late"),
});

/** At most one fault per run: a case stays small, and a shrunk one names the fault that mattered. */
export const runFaultsArb: fc.Arbitrary<Fault[]> = fc.oneof({ weight: 1, arbitrary: fc.constant<Fault[]>([]) }, { weight: 1, arbitrary: faultArb.map((f) => [f]) });

export interface RunSpec {
  group: number;
  /** Which partition member runs, modulo the partition count. */
  member: number;
  slot: number;
  faults: Fault[];
}

export const runSpecArb: fc.Arbitrary<RunSpec> = fc.record({
  group: fc.integer({ min: 0, max: 1 }),
  member: fc.integer({ min: 0, max: 1 }),
  slot: fc.integer({ min: 0, max: 3 }),
  faults: runFaultsArb,
});

/** Every pair of features an option set turns on, as "a+b" with a before b in MATRIX order. */
export function pairsOf(features: readonly Feature[]): string[] {
  const sorted = [...features].sort((a, b) => MATRIX.indexOf(a) - MATRIX.indexOf(b));
  const pairs: string[] = [];
  for (let i = 0; i < sorted.length; i++) for (let j = i + 1; j < sorted.length; j++) pairs.push(`${sorted[i]}+${sorted[j]}`);
  return pairs;
}
