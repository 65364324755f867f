/**
 * The bench's partitioned function: `payments`' stream, group, handler and
 * options, spread over `count` partitions by the field `k`, with K parallel
 * runs per member and the Paid budget. Defined here once for both sides: the
 * Worker runs it, the bench routes the backlog with its spec.
 */
import { definePollingFunction, type PollingFunction } from "../../../src/index.js";
import { payments } from "../../../src/functions/payments.js";
import { PAID_BUDGET } from "./budget.js";

export const PARTITION_KEY = "k";

export function partitionedPayments(count: number, parallelRuns: number): PollingFunction {
  return definePollingFunction({
    name: payments.name,
    description: `payments over ${count} partitions by ${PARTITION_KEY}`,
    stream: payments.stream,
    group: payments.group,
    crons: payments.crons,
    handle: payments.handle,
    // Options, not FN_PAYMENTS_* vars: those name the function, its members are payments-p<i>.
    options: { ...payments.options, ...PAID_BUDGET, maxParallelRuns: parallelRuns },
    partitions: { count, key: PARTITION_KEY },
  });
}
