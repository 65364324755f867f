/**
 * The ordered lease script's first request, shaped by the other features
 * as the default first request is (run/first-request.ts): a summary script
 * (promotion) goes just before the lease script, so what it promotes is read
 * in key order by the same request; other features' commands go after it;
 * and with `gatesOnly` (no rate-limit tokens yet) the script takes the lease
 * and reads nothing. The lease code sends its own request; this wraps the
 * transport it sends through, so that request carries the rest.
 */
import { isMissingGroup } from "../ensure-group.js";
import type { FirstRequest, FirstShape } from "../feature.js";
import type { Settled } from "../../redis/ops.js";
import { pipelineSettled, rawOp } from "../../redis/ops.js";
import { refusedShebang } from "../../redis/script.js";
import type { Command, Outcome, Transport } from "../../redis/transport.js";

type LeaseStart = (t: Transport, size: () => number) => Promise<FirstRequest | undefined>;

/** `stream`: an ordered function reads one stream (lanes cannot hold its order: combinations.ts). */
export async function shapedStart(t: Transport, stream: string, shape: FirstShape, size: () => number, start: LeaseStart): Promise<FirstRequest | undefined> {
  let summary: Settled<unknown> | undefined;
  const riding: Transport = {
    pipeline: async (commands) => {
      if (!isLeaseScript(commands)) return t.pipeline(commands);
      const before = shape.summary ? [shape.summary(stream)] : [];
      const after = shape.ride?.ops ?? [];
      const settled = await pipelineSettled(t, [...before, ...commands.map(rawOp), ...after]);
      if (before.length > 0) summary = settled[0];
      shape.ride?.replies?.(settled.slice(before.length + commands.length));
      return settled.slice(before.length, before.length + commands.length).map(toOutcome);
    },
    transaction: (commands) => t.transaction(commands),
  };
  const first = await start(riding, shape.gatesOnly ? () => 0 : size);
  if (!first || !shape.summary || summary === undefined) return first;
  return { ...first, ...(await promoted(t, stream, shape, summary)) };
}

/** What the summary script did: how many it promoted, and whether the read beside it saw them. */
async function promoted(t: Transport, stream: string, shape: FirstShape, summary: Settled<unknown>): Promise<Partial<FirstRequest>> {
  if (summary.ok) return { promoted: (summary.value as { promoted: number }).promoted, promotedAfterRead: false };
  if (refusedShebang(summary.error)) {
    // It never ran: sent again alone, in its plain form; the read beside it did not see what it promotes now.
    const again: Settled<unknown> = (await pipelineSettled(t, [shape.summary!(stream)]))[0]!;
    if (again.ok) {
      const count = (again.value as { promoted: number }).promoted;
      return { promoted: count, promotedAfterRead: count > 0 };
    }
    return { promoteError: again.error };
  }
  return isMissingGroup(summary.error) ? {} : { promoteError: summary.error };
}

const isLeaseScript = (commands: readonly Command[]): boolean => commands.length === 1 && commands[0]![0] === "EVAL";

const toOutcome = (x: Settled<unknown>): Outcome => (x.ok ? { result: x.value as never } : { error: x.error });
