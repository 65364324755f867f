/**
 * `accounts`: ordered per-key consumption. Each message of `accounts:events`
 * carries an `account` and its `seq` (1, 2, 3 … per account); the handler
 * appends `{account, seq}` to `accounts:ledger` as an effect committed with
 * the acknowledgement. With `ordered: true` and `partitionKey: "account"`,
 * each account's ledger lists its seqs once each, in increasing order, however
 * runs crash, retry or overlap (the ordering drill checks exactly that).
 *
 * Demo behaviour, driven by a `simulate` field: `fail-once` throws on the
 * first delivery only; `slow:<ms>` adds latency. `ACCOUNTS_LATENCY_MS` sets the
 * simulated I/O per message (default 20 ms).
 */
import { definePollingFunction, PermanentError } from "../index.js";
import { sleep } from "./sleep.js";

export const ACCOUNTS_LEDGER = "accounts:ledger";
const DEFAULT_LATENCY_MS = 20;

export const accounts = definePollingFunction({
  name: "accounts",
  description: "Appends each account's events from accounts:events to accounts:ledger, in order per account.",
  stream: "accounts:events",
  group: "accounts-ledger",
  crons: ["* * * * *"],
  options: { deadLetterStream: "accounts:dlq", startId: "0", ordered: true, partitionKey: "account" },
  async handle(message, ctx) {
    const { account, seq, simulate } = message.fields;
    if (!account) throw new PermanentError("account is missing");
    if (!seq || !/^\d+$/.test(seq)) throw new PermanentError(`seq must be a positive integer; got ${JSON.stringify(seq ?? null)}`);
    const configured = Number(ctx.env.ACCOUNTS_LATENCY_MS ?? DEFAULT_LATENCY_MS);
    const extra = simulate?.startsWith("slow:") ? Number(simulate.slice(5)) : 0;
    await sleep((Number.isFinite(configured) ? configured : DEFAULT_LATENCY_MS) + (Number.isFinite(extra) ? extra : 0), ctx.signal);
    if (simulate === "fail-once" && message.attempt === 1) throw new Error(`simulated transient failure for ${account} #${seq}`);
    ctx.effects.xadd(ACCOUNTS_LEDGER, { account, seq });
  },
});
