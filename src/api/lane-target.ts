/**
 * Which lane an enqueue writes to (`?priority=` on the API, `priority` on
 * the producer): the lanes of the functions consuming the stream
 * (core/define/lanes.ts), checked before anything is written. No priority, or
 * the default lane's name, writes to the stream itself, exactly as before
 * lanes existed; any other lane writes to `<stream>:lane:<name>`.
 *
 * The request keeps naming the function's stream (`EnqueueRequest.stream`):
 * the wake lease, the Idempotency-Key record and the wake-up all belong to the
 * function, whichever lane its message waits in. Only the write moves.
 */
import type { PollingFunction } from "../core/define/define.js";
import type { Lanes } from "../core/define/lanes.js";
import { laneStream, resolveLanes } from "../core/define/lanes.js";
import type { FunctionOptions } from "../core/define/options.js";
import { streamsRead } from "../core/define/options.js";
import { ApiError } from "./errors.js";

/** A write to a lane other than the default one. */
export interface EnqueueLane {
  name: string;
  lanes: Lanes;
}

/** The request as the enqueue modules see it: the function's stream, and the lane when not the default one. */
interface LaneRequest {
  stream: string;
  lane?: EnqueueLane | undefined;
}

/** The stream an enqueue writes its messages (or, delayed, its delayed set) to. */
export const writeStream = ({ stream, lane }: LaneRequest): string => (lane === undefined ? stream : laneStream(stream, lane.lanes, lane.name));

/** Each lane of `fn`, highest first, with its stream and weight; undefined when it reads one stream. */
export function lanesView(fn: PollingFunction): { name: string; stream: string; weight: number; default: boolean }[] | undefined {
  if (fn.options.lanes === undefined) return undefined;
  const lanes = resolveLanes(fn.options.lanes);
  return lanes.names.map((name, i) => ({ name, stream: laneStream(fn.stream, lanes, name), weight: lanes.weights[i]!, default: name === lanes.default }));
}

/** Every stream `fn` reads: its lanes' highest first, or its own. */
export const readStreams = (fn: PollingFunction): string[] => streamsRead(fn.stream, fn.options as Pick<FunctionOptions, "lanes">);

/** The lanes of the functions consuming `stream` (or partitioned on it); checkFunctions makes them agree, so the first tells. */
export function lanesOfStream(functions: readonly PollingFunction[], stream: string): Lanes | undefined {
  const given = functions.find((f) => (f.stream === stream || f.partitionOf?.logical === stream) && f.options.lanes !== undefined)?.options.lanes;
  return given && resolveLanes(given);
}

/**
 * The lane `priority` names on `stream`, or undefined for the default lane
 * (no priority, or the default's name). A 400 naming the stream when it has
 * no lanes, or listing its lanes when `priority` is none of them.
 */
export function laneOf(stream: string, lanes: Lanes | undefined, priority: string | undefined): EnqueueLane | undefined {
  if (priority === undefined) return undefined;
  if (lanes === undefined) {
    throw new ApiError(400, "no_lanes", `${JSON.stringify(stream)} has no lanes: no function consuming it has the option \`lanes\`, so \`priority\` cannot be given`);
  }
  if (!lanes.names.includes(priority)) {
    throw new ApiError(400, "unknown_priority", `\`priority\` ${JSON.stringify(priority)} is not a lane of ${JSON.stringify(stream)}; its lanes, highest first: ${lanes.names.map((n) => JSON.stringify(n)).join(", ")}`);
  }
  return priority === lanes.default ? undefined : { name: priority, lanes };
}

/**
 * 400 for a write straight to a lane's stream: the function's wake lease and
 * Idempotency-Key records live on its own stream, so a lane is written
 * through it, with `priority`.
 */
export function writeToLaneRefused(stream: string, lane: { stream: string; name: string }): ApiError {
  return new ApiError(400, "lane_stream", `${JSON.stringify(stream)} is the lane ${JSON.stringify(lane.name)} of ${JSON.stringify(lane.stream)}; enqueue onto ${JSON.stringify(lane.stream)} with \`?priority=${lane.name}\``);
}
