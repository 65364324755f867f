/**
 * Wraps a transport to count what a run costs: HTTP requests (Worker
 * subrequests) and Redis commands (what Upstash bills, also inside a pipeline).
 * Requests are counted after merging (coalescing-transport.ts): a request
 * whose commands rode in another caller's is not a subrequest of its own.
 */
import { rodeAlong } from "./coalescing-transport.js";
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
  const uncountRider = (outcomes: Outcome[]) => {
    if (rodeAlong(outcomes)) requests -= 1;
    return outcomes;
  };
  return {
    get requests() {
      return requests;
    },
    get commands() {
      return commands;
    },
    pipeline(batch): Promise<Outcome[]> {
      count(batch);
      return inner.pipeline(batch).then(uncountRider);
    },
    transaction(batch): Promise<Outcome[]> {
      count(batch);
      return inner.transaction(batch).then(uncountRider);
    },
  };
}
