/**
 * Wraps a transport to count what a run costs: HTTP requests (Worker
 * subrequests) and Redis commands (what Upstash bills, also inside a pipeline).
 */
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
  return {
    get requests() {
      return requests;
    },
    get commands() {
      return commands;
    },
    pipeline(batch): Promise<Outcome[]> {
      count(batch);
      return inner.pipeline(batch);
    },
    transaction(batch): Promise<Outcome[]> {
      count(batch);
      return inner.transaction(batch);
    },
  };
}
