/**
 * Priority lanes: one function consumes an ordered list of streams, highest
 * first, each read by its own XREADGROUP in the same request (a pipeline, so
 * the high lane's read runs first, and no script: on Upstash a script takes
 * the database's global lock and is billed per call inside it).
 *
 * The batch is shared by weight: with every lane backlogged, lane i is asked
 * for `share(i) = max(1, ⌊batchSize · wᵢ / Σw⌋)` messages per fetch (the
 * rounding remainder goes to the highest lane). A lane whose last read came
 * back short is asked for one message (a probe), and what it leaves goes to
 * the highest lane whose last read came back full. So:
 * - throughput: a lone backlogged lane gets all but one message per lower or
 *   higher idle lane;
 * - starvation bound: a backlogged lane is asked for at least `share(i)` on
 *   every fetch but the one just after it was found short, so an entry at depth
 *   k of lane i is read within `1 + ⌈k / share(i)⌉` fetches, whatever the
 *   higher lanes hold.
 *
 * The default lane is the function's own `stream`, so producers that know
 * nothing of lanes, dead-letter replays and the dashboard keep working; the
 * other lanes are `<stream>:lane:<name>`. Keys that belong to the function
 * (pause gate, wake lease, rate and slow-down keys) stay on `stream`.
 */
import { ConfigError } from "../redis/errors.js";

export interface LaneOptions {
  /** Lane names, highest priority first (2 to 8; letters, digits, `_` and `-`). */
  names: readonly string[];
  /** Each lane's weight in the batch when all are backlogged. @default powers of 4, highest first: [16, 4, 1] for three lanes */
  weights?: readonly number[];
  /** The lane of a message enqueued without a priority: the function's own stream. @default the last (lowest) lane */
  default?: string;
}

/** Lanes after defaults: every field set. */
export interface Lanes {
  names: readonly string[];
  weights: readonly number[];
  default: string;
}

export const MAX_LANES = 8;
const LANE_NAME = /^[A-Za-z0-9_-]{1,32}$/;

export function resolveLanes(o: LaneOptions): Lanes {
  const names = o.names;
  return { names, weights: o.weights ?? names.map((_, i) => 4 ** (names.length - 1 - i)), default: o.default ?? names[names.length - 1]! };
}

/** Throws `ConfigError` naming what is wrong with `lanes`; `batchSize` must give every lane at least one message. */
export function validateLanes(where: string, o: LaneOptions, batchSize: number): Lanes {
  if (!Array.isArray(o?.names) || o.names.length < 2 || o.names.length > MAX_LANES) {
    throw new ConfigError(`${where}: \`lanes.names\` must list 2 to ${MAX_LANES} lane names, highest priority first; got ${JSON.stringify(o?.names)}`);
  }
  for (const n of o.names) {
    if (typeof n !== "string" || !LANE_NAME.test(n)) throw new ConfigError(`${where}: lane name ${JSON.stringify(n)} must be 1 to 32 letters, digits, "_" or "-"`);
  }
  if (new Set(o.names).size !== o.names.length) throw new ConfigError(`${where}: \`lanes.names\` has a name twice: ${JSON.stringify(o.names)}`);
  const lanes = resolveLanes(o);
  if (lanes.weights.length !== lanes.names.length || !lanes.weights.every((w) => Number.isInteger(w) && w >= 1 && w <= 1_000)) {
    throw new ConfigError(`${where}: \`lanes.weights\` must give each of the ${lanes.names.length} lanes an integer weight from 1 to 1000; got ${JSON.stringify(o.weights)}`);
  }
  if (!lanes.names.includes(lanes.default)) throw new ConfigError(`${where}: \`lanes.default\` ${JSON.stringify(lanes.default)} is not one of ${JSON.stringify(lanes.names)}`);
  if (batchSize < lanes.names.length) {
    throw new ConfigError(`${where}: \`batchSize\` (${batchSize}) must be at least the number of lanes (${lanes.names.length}), so every lane is read on every fetch`);
  }
  return lanes;
}

/** The stream holding lane `name` of a function on `stream`. */
export function laneStream(stream: string, lanes: Lanes, name: string): string {
  return name === lanes.default ? stream : `${stream}:lane:${name}`;
}

/** Every lane's stream, highest first. */
export const laneStreams = (stream: string, lanes: Lanes): string[] => lanes.names.map((n) => laneStream(stream, lanes, n));

/** Lane i's share of a batch of `batchSize` with every lane backlogged (see the bound above). */
export function shares(batchSize: number, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const s = weights.map((w) => Math.max(1, Math.floor((batchSize * w) / total)));
  // The floors of one can overshoot a small batch: take the excess from the largest shares (batchSize ≥ lanes, so it fits).
  for (let over = s.reduce((a, b) => a + b, 0) - batchSize; over > 0; over--) s[s.indexOf(Math.max(...s))]! -= 1;
  s[0]! += batchSize - s.reduce((a, b) => a + b, 0);
  return s;
}

/** What one lane's last read asked for and got; undefined before the run's first read. */
export interface LaneRead {
  asked: number;
  got: number;
}

/**
 * How many messages to ask of each lane on the next fetch, highest first,
 * summing to `batchSize`: shares by weight, a probe of one for a lane found
 * short last time, and the rest to the highest lane found full (or the highest
 * lane when none was).
 */
export function laneCounts(batchSize: number, weights: readonly number[], last?: readonly LaneRead[]): number[] {
  const base = shares(batchSize, weights);
  if (last === undefined) return base;
  const short = last.map((r) => r.got < r.asked);
  const counts = base.map((s, i) => (short[i] ? 1 : s));
  const full = short.indexOf(false);
  counts[full === -1 ? 0 : full]! += batchSize - counts.reduce((a, b) => a + b, 0);
  return counts;
}
