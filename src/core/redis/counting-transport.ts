/**
 * Wraps a transport to count what a run costs: HTTP requests (Worker
 * subrequests) and Redis commands (what Upstash bills, also inside a pipeline).
 * Requests are counted after merging (coalescing-transport.ts): a request
 * whose commands rode in another caller's is not a subrequest of its own,
 * and a merged attempt refused whole, whose parts were then sent alone, is
 * one more (extra-requests.ts), charged to its first caller once it settles.
 */
import { rodeAlong } from "./coalescing-transport.js";
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
      (outcomes) => {
        if (rodeAlong(outcomes)) requests -= 1;
        requests += extraRequests(outcomes);
        return outcomes;
      },
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
