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
import type { Vars } from "../define/overrides.js";
import type { RunLimits } from "../define/run-limits.js";
import type { RunReport } from "../features/report.js";
import type { Transport } from "../redis/transport.js";
import { commitLeading } from "./steps/commit.js";
import { failed, finish, stored } from "./steps/finish.js";
import { handle } from "./steps/handle.js";
import { nextFetch } from "./steps/next-fetch.js";
import { prepare } from "./steps/prepare.js";
import { send } from "./steps/send.js";
import { start } from "./steps/start.js";
import { takeFetched } from "./steps/take-fetched.js";

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
  const s = prepare(fn, deps);
  if (!("features" in s)) return s;
  try {
    const ended = await start(s);
    if (ended) return ended;
    for (;;) {
      const outcomes = await handle(s);
      const commit = await commitLeading(s, outcomes);
      const next = nextFetch(s);
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
