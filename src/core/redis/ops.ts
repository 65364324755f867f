/**
 * An `Op` is a raw command plus the parser for its reply. Ops are sent in
 * batches, so several commands cost one HTTP request: `sendPipeline` for
 * reads that may fail independently, `sendTransaction` for writes that must
 * land together.
 */
import { RedisReplyError } from "./errors.js";
import type { Command, Outcome, Reply, Transport } from "./transport.js";
import { isError } from "./transport.js";

export interface Op<T> {
  readonly command: Command;
  parse(reply: Reply): T;
}

export type Results<T extends readonly Op<unknown>[]> = { [K in keyof T]: T[K] extends Op<infer R> ? R : never };
/** A settled result: the parsed value, or the Redis error message for that one command. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: string };
export type SettledResults<T extends readonly Op<unknown>[]> = {
  [K in keyof T]: T[K] extends Op<infer R> ? Settled<R> : never;
};

export function op<T>(command: Command, parse: (reply: Reply) => T): Op<T> {
  return { command, parse };
}

/** A command whose reply is kept as it came: for commits, whose replies verify-commit.ts reads. */
export const rawOp = (command: Command): Op<Reply> => op(command, (x) => x);

function settle<T extends readonly Op<unknown>[]>(ops: T, outcomes: Outcome[]): SettledResults<T> {
  return ops.map((o, i) => {
    const outcome = outcomes[i]!;
    return isError(outcome) ? { ok: false, error: outcome.error } : { ok: true, value: o.parse(outcome.result) };
  }) as SettledResults<T>;
}

function unwrap<T extends readonly Op<unknown>[]>(settled: SettledResults<T>): Results<T> {
  return (settled as Settled<unknown>[]).map((s) => {
    if (!s.ok) throw new RedisReplyError(s.error);
    return s.value;
  }) as Results<T>;
}

/** One `/pipeline` request; each command's error is reported in place. */
export async function pipelineSettled<T extends readonly Op<unknown>[]>(t: Transport, ops: T): Promise<SettledResults<T>> {
  return settle(ops, await t.pipeline(ops.map((o) => o.command)));
}

/** One `/pipeline` request; throws `RedisReplyError` on the first failed command. */
export async function sendPipeline<T extends readonly Op<unknown>[]>(t: Transport, ops: T): Promise<Results<T>> {
  return unwrap(await pipelineSettled(t, ops));
}

/** One atomic `/multi-exec` request; run-time errors are reported in place. */
export async function transactionSettled<T extends readonly Op<unknown>[]>(t: Transport, ops: T): Promise<SettledResults<T>> {
  return settle(ops, await t.transaction(ops.map((o) => o.command)));
}

/** One atomic `/multi-exec` request; throws `RedisReplyError` if any command failed. */
export async function sendTransaction<T extends readonly Op<unknown>[]>(t: Transport, ops: T): Promise<Results<T>> {
  return unwrap(await transactionSettled(t, ops));
}
