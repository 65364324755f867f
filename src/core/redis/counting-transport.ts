/**
 * Wraps a transport to count what a run costs: HTTP requests (Worker
 * subrequests) and Redis commands (what Upstash bills, also inside a pipeline).
 * A call is one request when it is made, plus any extra the transport marks
 * once it settles (extra-requests.ts: a coalescer's merged attempt refused
 * whole).
 */
import { extraRequests } from "./extra-requests.js";
import type { Command, Outcome, Transport } from "./transport.js";

export interface Counted extends Transport {
  readonly requests: number;
  readonly commands: number;
}

export function countingTransport(inner: Transport): Counted {
  let requests = 0;
  let commands = 0;
  const count = (batch: readonly Command[]) => {
    requests += 1;
    commands += batch.length;
  };
  const settled = (call: Promise<Outcome[]>) =>
    call.then(
      (outcomes) => ((requests += extraRequests(outcomes)), outcomes),
      (error: unknown) => {
        requests += extraRequests(error);
        throw error;
      },
    );
  return {
    get requests() {
      return requests;
    },
    get commands() {
      return commands;
    },
    pipeline(batch): Promise<Outcome[]> {
      count(batch);
      return settled(inner.pipeline(batch));
    },
    transaction(batch): Promise<Outcome[]> {
      count(batch);
      return settled(inner.transaction(batch));
    },
  };
}
