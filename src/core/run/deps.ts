/** What a run is given by whoever starts it: a cron tick, a wake, a drainer, a test. */
import type { PollingFunction } from "../define/define.js";
import type { Vars } from "../define/overrides.js";
import type { RunLimits } from "../define/run-limits.js";
import type { RunReport } from "../features/report.js";
import type { Transport } from "../redis/transport.js";
import type { InvocationShare } from "./share.js";

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
  /** The invocation's budgets, shared by need between the runs it makes (share.ts); without it, the run's own options bound it. */
  share?: InvocationShare;
}
