/**
 * How long a batch may hold its messages, and what bounds it.
 *
 * Without `maxHandlerMs`, nothing extends a message's visibility, so a batch
 * must be finished, committed and acknowledged within `visibilityTimeoutMs`
 * of its read, or an overlapping run would reclaim a message another is
 * still handling and hand it to a second handler. With `ordered` a key's
 * messages run one after another, so this bound does not hold for a batch of
 * one key; no other run reclaims while the lease lasts, and no handler starts
 * that could outlive the lease (ordered/handle-ordered.ts), so the same
 * settings serve.
 *
 * With `maxHandlerMs`, the batch's heartbeat (handle/visibility.ts) keeps its
 * messages while it runs, so the visibility timeout no longer bounds the
 * handlers: it is only how soon a crashed run's messages come back. What
 * bounds a handler then is the run: an attempt gets `handlerTimeoutMs`, and
 * `ctx.extendVisibility` may move that up to `maxHandlerMs`, never past the
 * run's `maxRunMs` (the run plans its batches from `handlerTimeoutMs`, and
 * an ordered run's lease of `maxRunMs + visibilityTimeoutMs + 5 s` covers
 * every extended message: no extension is sent later than `maxRunMs + 5 s`
 * after the run started, so each is idle past the timeout before the lease
 * runs out). `maxRunMs` is
 * in turn bounded by the platform: 15 min, Cron Triggers' wall clock; a run
 * woken by an enqueue gets what is left of `waitUntil`'s 30 s (wake.ts), so
 * there a long handler is cut to that run's end.
 */
import { ConfigError } from "../redis/errors.js";

/** The options this check relates (options.ts passes its own; named here so the two files do not import each other). */
export interface VisibilityLimits {
  visibilityTimeoutMs: number;
  handlerTimeoutMs: number;
  maxHandlerMs: number | undefined;
  maxRunMs: number;
  batchSize: number;
  concurrency: number;
}

/** A batch's messages are extended after this share of the visibility timeout, and again each time it passes (handle/visibility.ts). */
export const HEARTBEAT_FRACTION = 0.5;
/** Time a batch may take beyond its handlers: the commit request and clock slack. */
export const VISIBILITY_MARGIN_MS = 5_000;
/** Cron Triggers' wall-clock limit, the longest any run (and so any handler) can last. */
export const CRON_WALL_CLOCK_MS = 15 * 60_000;
/** Below this, a heartbeat every half timeout leaves too little for its own round trip. */
export const MIN_EXTENDED_VISIBILITY_MS = 2_000;

export function checkVisibility(where: string, o: VisibilityLimits): void {
  if (o.maxHandlerMs === undefined) {
    const longestBatchMs = o.handlerTimeoutMs * Math.ceil(o.batchSize / o.concurrency) + VISIBILITY_MARGIN_MS;
    if (o.visibilityTimeoutMs < longestBatchMs) {
      throw new ConfigError(
        `${where}: \`visibilityTimeoutMs\` (${o.visibilityTimeoutMs}) must be at least handlerTimeoutMs × ceil(batchSize / concurrency) + ${VISIBILITY_MARGIN_MS} ms = ${longestBatchMs}, ` +
          "or a run could reclaim messages another run is still handling; or set `maxHandlerMs` to extend visibility while a batch runs",
      );
    }
    return;
  }
  if (!Number.isInteger(o.maxHandlerMs) || o.maxHandlerMs < 1 || o.maxHandlerMs > CRON_WALL_CLOCK_MS) {
    throw new ConfigError(`${where}: \`maxHandlerMs\` must be an integer from 1 to ${CRON_WALL_CLOCK_MS} (Cron Triggers' wall clock); got ${JSON.stringify(o.maxHandlerMs)}`);
  }
  if (o.maxHandlerMs < o.handlerTimeoutMs) {
    throw new ConfigError(`${where}: \`maxHandlerMs\` (${o.maxHandlerMs}) must be at least \`handlerTimeoutMs\` (${o.handlerTimeoutMs}): it caps how far ctx.extendVisibility may move that deadline`);
  }
  if (o.maxHandlerMs > o.maxRunMs) {
    throw new ConfigError(
      `${where}: \`maxHandlerMs\` (${o.maxHandlerMs}) must be at most \`maxRunMs\` (${o.maxRunMs}): no handler outlives its run; raise maxRunMs (up to ${CRON_WALL_CLOCK_MS}, Cron Triggers' wall clock)`,
    );
  }
  if (o.visibilityTimeoutMs < MIN_EXTENDED_VISIBILITY_MS) {
    throw new ConfigError(
      `${where}: with \`maxHandlerMs\`, \`visibilityTimeoutMs\` (${o.visibilityTimeoutMs}) must be at least ${MIN_EXTENDED_VISIBILITY_MS}: a batch's messages are extended every half timeout, and each extension needs a round trip to land in time`,
    );
  }
}

/**
 * Extensions a batch sends if its handlers take their whole `handlerTimeoutMs`
 * (one request each, for the whole batch): what a run keeps free before it
 * reads one (features/run/visibility.ts). Longer, extended attempts may need
 * more; an extension the budget cannot pay for gives the batch up, safely.
 */
export function extensionsPerBatch(o: VisibilityLimits): number {
  if (o.maxHandlerMs === undefined) return 0;
  return Math.floor((o.handlerTimeoutMs * Math.ceil(o.batchSize / o.concurrency)) / (o.visibilityTimeoutMs * HEARTBEAT_FRACTION));
}
