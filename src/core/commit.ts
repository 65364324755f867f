/**
 * Builds the commit of one batch: every command that settles its messages,
 * meant to be sent as one MULTI/EXEC (see run.ts). For each message:
 * - success: the handler's effects, then XACK;
 * - failure with deliveries left: XCLAIM … IDLE … JUSTID, which schedules the
 *   retry after the backoff delay (see backoff.ts) without counting a delivery;
 * - failure that is permanent or out of deliveries, or a reclaimed message
 *   already at `maxDeliveries`: XADD to the dead-letter stream, then XACK.
 * With NOACK nothing is pending, so successes need no XACK and failures are
 * dead-lettered at once.
 */
import { idleForDelay, retryDelayMs } from "./backoff.js";
import { xack, xadd, xclaimJustId } from "./commands.js";
import { deadLetterFields } from "./dead-letter.js";
import type { Message } from "./define.js";
import type { Outcome } from "./handle-batch.js";
import type { FunctionOptions } from "./options.js";
import type { Command } from "./transport.js";

export interface Expired {
  message: Message;
  /** Deliveries Redis had counted before this run reclaimed it. */
  deliveries: number;
}

export interface CommitInput {
  fn: string;
  stream: string;
  group: string;
  consumer: string;
  options: FunctionOptions;
  outcomes: readonly Outcome[];
  /** Reclaimed messages already at `maxDeliveries`: never handed to a handler again. */
  expired: readonly Expired[];
  /** Pending ids whose entries were trimmed (the Redis 6.2 shape): acknowledged, never handled. */
  trimmed: readonly string[];
  /** Reclaimed ids whose delivery count is unknown: made eligible again at once. */
  released: readonly string[];
  now: number;
}

export interface Commit {
  commands: Command[];
  acked: number;
  retried: number;
  deadLettered: number;
}

export function buildCommit(c: CommitInput): Commit {
  const o = c.options;
  const commands: Command[] = [];
  const ack: string[] = [...c.trimmed];
  const retryByIdle = new Map<number, string[]>();
  let acked = 0;
  let deadLettered = 0;
  let retried = 0;

  const deadLetter = (message: Message, deliveries: number, error: string) => {
    const fields = deadLetterFields({
      originalId: message.id,
      stream: message.stream,
      group: message.group,
      function: c.fn,
      deliveries,
      error,
      failedAt: new Date(c.now).toISOString(),
      fields: message.fields,
    });
    commands.push(xadd(o.deadLetterStream, fields).command);
    if (!o.noAck) ack.push(message.id);
    deadLettered += 1;
  };

  for (const outcome of c.outcomes) {
    const { message } = outcome;
    if (outcome.ok) {
      commands.push(...outcome.effects);
      if (!o.noAck) ack.push(message.id);
      acked += 1;
    } else if (outcome.permanent || o.noAck || message.attempt >= o.maxDeliveries) {
      deadLetter(message, message.attempt, outcome.error);
    } else {
      const idle = idleForDelay(o.visibilityTimeoutMs, retryDelayMs(o.backoff, message.attempt));
      retryByIdle.set(idle, [...(retryByIdle.get(idle) ?? []), message.id]);
      retried += 1;
    }
  }
  for (const { message, deliveries } of c.expired) {
    deadLetter(message, deliveries, `delivery ${deliveries} of ${o.maxDeliveries} never completed (the handler crashed, or overran the visibility timeout)`);
  }
  if (c.released.length > 0) retryByIdle.set(o.visibilityTimeoutMs, [...(retryByIdle.get(o.visibilityTimeoutMs) ?? []), ...c.released]);

  if (ack.length > 0) commands.push(xack(c.stream, c.group, ack).command);
  for (const [idleMs, ids] of retryByIdle) {
    commands.push(xclaimJustId(c.stream, c.group, c.consumer, 0, ids, { idleMs }).command);
  }
  return { commands, acked, retried, deadLettered };
}
