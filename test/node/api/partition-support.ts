/**
 * Fixtures for partitioned streams: a partitioned function expanded into its
 * members as the Worker runs them, and key values known to route to chosen
 * partitions, so a test can say which partitions a batch touches.
 */
import type { PollingFunction, PollingFunctionDefinition } from "../../../src/core/define/define.js";
import { expandPartitions } from "../../../src/core/partitions/partition-members.js";
import { partitionOfKey, partitionStream } from "../../../src/core/define/partitions.js";
import { TransportError } from "../../../src/core/redis/errors.js";
import type { Command, Transport } from "../../../src/core/redis/transport.js";
import type { Fixture } from "../../support/engine.js";
import { bridgeTransport } from "../../support/engine.js";

/** The first key values `<prefix><n>` that route to each partition, `perPartition` of each. */
export function keysFor(count: number, perPartition = 1, prefix = "customer-"): string[][] {
  const found: string[][] = Array.from({ length: count }, () => []);
  for (let n = 0; found.some((k) => k.length < perPartition); n++) {
    const key = `${prefix}${n}`;
    const bucket = found[partitionOfKey(key, count)]!;
    if (bucket.length < perPartition) bucket.push(key);
  }
  return found;
}

export interface Partitioned {
  fn: PollingFunction;
  members: PollingFunction[];
  /** Partition i's stream. */
  part(i: number): string;
}

/** A function on fresh keys partitioned by `customer` over `count` partitions. */
export function partitioned(f: Fixture, count = 4, def: Partial<PollingFunctionDefinition> = {}): Partitioned {
  const fn = f.fn({ handle: async () => {}, partitions: { count, key: "customer" }, ...def });
  return { fn, members: expandPartitions([fn]), part: (i) => partitionStream(fn.stream, i) };
}

type Batch = readonly Command[];
const names = (batch: Batch, stream: string) => batch.some((c) => c.includes(stream));

/** Fails the first write (XADD or the idempotent script) naming `stream`: before sending it, or after (its answer lost). */
export function failOnce(stream: string, when: "before" | "after"): Transport {
  const inner = bridgeTransport();
  let failed = false;
  const wrap = (kind: "pipeline" | "transaction") => async (batch: Batch) => {
    const fail = !failed && names(batch, stream) && batch.some((c) => c[0] === "EVAL" || c[0] === "XADD");
    if (fail) failed = true;
    if (fail && when === "before") throw new TransportError("connection reset before sending");
    const outcomes = await inner[kind](batch);
    if (fail) throw new TransportError("connection reset before the answer arrived");
    return outcomes;
  };
  return { pipeline: wrap("pipeline"), transaction: wrap("transaction") };
}
