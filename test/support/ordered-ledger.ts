/**
 * An ordered function for tests: keyed by `account`, it writes
 * `{account, seq}` to a ledger stream of its own as its effect, so a test
 * reads back exactly which messages were committed, how often, in what order.
 */
import type { FunctionOptions } from "../../src/core/define/options.js";
import type { Message, PollingFunction } from "../../src/core/define/define.js";
import type { Fixture } from "./engine.js";
import { entries } from "./engine.js";

export const LEDGER_VT = 6_000;

export interface LedgerFunction {
  fn: PollingFunction;
  /** The ledger as `<account><seq>` strings, in commit order. */
  ledgerOf(): Promise<string[]>;
}

export function ledgerFunction(f: Fixture, handle: (m: Message) => Promise<void> = async () => {}, options: Partial<FunctionOptions> = {}): LedgerFunction {
  const ledger = `test:effects:ledger:${Math.random().toString(36).slice(2)}`;
  const fn = f.fn({
    handle: async (m, ctx) => {
      await handle(m);
      ctx.effects.xadd(ledger, { account: m.fields.account!, seq: m.fields.seq! });
    },
    options: { ordered: true, partitionKey: "account", visibilityTimeoutMs: LEDGER_VT, handlerTimeoutMs: 500, ...options },
  });
  const ledgerOf = async () => (await entries(f.tcp, ledger)).map((e) => `${e.message.account}${e.message.seq}`);
  return { fn, ledgerOf };
}

/** `events("a1", "b1")`: `{account: "a", seq: "1"}, {account: "b", seq: "1"}`. */
export const events = (...names: string[]) => names.map((n) => ({ account: n[0]!, seq: n.slice(1) }));
