/**
 * One run of a polling function: recover, consume, handle, commit, report,
 * all within the run's budget, as a sequence of named steps (steps/*). The
 * first request learns what is pending and reads the first batch. After it,
 * each HTTP request to Redis is one MULTI/EXEC that commits the finished
 * batch (effects, XACK, retries, dead letters) and fetches the next one, so a
 * batch costs one request (or a few, when it is larger than
 * `maxRequestBytes`: see split-commit.ts). Recovery comes before further new
 * reads whenever anything was pending at the start.
 *
 * The features (features/index.ts) shape every step through one interface
 * (features/feature.ts); this file does not know their names.
 */
import type { PollingFunction } from "../define/define.js";
import type { RunReport } from "../features/report.js";
import type { RunDeps } from "./deps.js";
import type { RunState } from "./state.js";
import { commitLeading } from "./steps/commit.js";
import { failed, finish, stored } from "./steps/finish.js";
import { handle } from "./steps/handle.js";
import { nextFetchShared } from "./steps/share-wait.js";
import { prepare } from "./steps/prepare.js";
import { send } from "./steps/send.js";
import { start } from "./steps/start.js";
import { takeFetched } from "./steps/take-fetched.js";

export type { RunDeps } from "./deps.js";

export async function runFunction(fn: PollingFunction, deps: RunDeps): Promise<RunReport> {
  const s = prepare(fn, deps);
  if (!("features" in s)) return s;
  try {
    return await sequence(s);
  } finally {
    s.seat?.leave();
  }
}

async function sequence(s: RunState): Promise<RunReport> {
  try {
    const ended = await start(s);
    if (ended) return ended;
    for (;;) {
      const outcomes = await handle(s);
      const commit = await commitLeading(s, outcomes);
      const next = await nextFetchShared(s, commit);
      const values = await send(s, commit, outcomes, next);
      if (values === undefined) break;
      await takeFetched(s, next, values);
    }
    await finish(s);
  } catch (error) {
    failed(s, error);
  }
  return stored(s);
}
