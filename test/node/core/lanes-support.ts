/**
 * Lanes functions for the run tests (run-lanes*.test.ts): fresh keys from the
 * engine fixture, two lanes weighted [4, 1], and their lane streams and
 * delayed sets cleaned up after the file.
 */
import { afterAll } from "vitest";
import type { PollingFunction, PollingFunctionDefinition } from "../../../src/core/define/define.js";
import { laneStreams, resolveLanes } from "../../../src/core/define/lanes.js";
import { delayedKey, delayedPayloadsKey } from "../../../src/core/redis/keys.js";
import { runFunction } from "../../../src/core/run/run.js";
import { bridgeTransport, useFixture } from "../../support/engine.js";

export const VT = 60_000;
export const LANES = { names: ["high", "low"], weights: [4, 1] };

type Def = (Partial<PollingFunctionDefinition> & Pick<PollingFunctionDefinition, "handle">) | (Partial<PollingFunctionDefinition> & Pick<PollingFunctionDefinition, "handleBatch">);

export function useLanes() {
  const f = useFixture();
  const transport = bridgeTransport();
  const made: string[] = [];
  afterAll(async () => {
    if (made.length > 0) await f.tcp.del(made);
  });
  /** A lanes function; its lane streams (highest first) are cleaned up after the file. */
  const lanesFn = (def: Def, options: Record<string, unknown> = {}) => {
    const fn = f.fn({ ...def, options: { lanes: LANES, visibilityTimeoutMs: VT, ...options } } as never);
    const streams = laneStreams(fn.stream, resolveLanes(LANES));
    made.push(...streams, ...streams.flatMap((s) => [delayedKey(s), delayedPayloadsKey(s)]));
    return { fn, high: streams[0]!, low: streams[1]! };
  };
  const run = (fn: PollingFunction) => runFunction(fn, { transport, vars: {}, trigger: "cron" });
  return { f, transport, made, lanesFn, run };
}

export const tagged = (lane: string, n: number) => Array.from({ length: n }, (_, i) => ({ lane, n: String(i) }));
